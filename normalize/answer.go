package normalize

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Bounds on a model answer.
const (
	MaxAnswerBytes    = 64 << 10
	MaxAnswerDepth    = 8
	maxObjectAttempts = 32
)

// extractObject returns the first balanced JSON object of text, looking
// first inside a Markdown code fence when there is one.
func extractObject(text string) (string, bool) {
	if inner, ok := fenced(text); ok {
		if obj, ok := firstObject(inner); ok {
			return obj, true
		}
	}
	return firstObject(text)
}

// fenced returns the text between the first ``` line (with or without a
// language tag) and the next ``` (or the end).
func fenced(text string) (string, bool) {
	_, after, ok := strings.Cut(text, "```")
	if !ok {
		return "", false
	}
	if nl := strings.IndexByte(after, '\n'); nl >= 0 && !strings.Contains(after[:nl], "{") {
		after = after[nl+1:]
	}
	inner, _, _ := strings.Cut(after, "```")
	return inner, true
}

// firstObject tries each '{' in turn (up to maxObjectAttempts) and returns
// the first balanced, valid JSON object starting there.
func firstObject(s string) (string, bool) {
	offset := 0
	for range maxObjectAttempts {
		i := strings.IndexByte(s[offset:], '{')
		if i < 0 {
			return "", false
		}
		start := offset + i
		if end := item.ObjectEnd(s, start); end > 0 && json.Valid([]byte(s[start:end])) {
			return s[start:end], true
		}
		offset = start + 1
	}
	return "", false
}

// answer is the model's object as sent; its loose types accept the usual
// variations (numbers as strings, one entity as a bare string).
type answer struct {
	Summary         *string                    `json:"summary"`
	EventType       *string                    `json:"event_type"`
	EventConfidence *looseFloat                `json:"event_confidence"`
	Entities        map[string]json.RawMessage `json:"entities"`
	Date            json.RawMessage            `json:"date"`
	DateConfidence  *looseFloat                `json:"date_confidence"`
}

// looseFloat accepts a JSON number or a string holding one.
type looseFloat float64

func (f *looseFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("confidence %q is not a number", s)
	}
	*f = looseFloat(v)
	return nil
}

// looseStrings decodes a list of strings, a single string or null;
// non-string elements are counted in skipped.
func looseStrings(raw json.RawMessage) (list []string, skipped int, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, 0, true
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, 0, true
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil {
		return nil, 0, false
	}
	for _, m := range many {
		if json.Unmarshal(m, &one) == nil {
			list = append(list, one)
		} else {
			skipped++
		}
	}
	return list, skipped, true
}
