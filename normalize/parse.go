package normalize

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Bounds on a normalization.
const (
	MaxSummaryRunes    = 1500
	MaxEntitiesPerKind = 50
	MaxEntityRunes     = 200
	minEntityRunes     = 2
)

// Entities are the names found in an item, by kind. Lists are never nil.
type Entities struct {
	Companies    []string `json:"companies"`
	Molecules    []string `json:"molecules"`
	Technologies []string `json:"technologies"`
	Trademarks   []string `json:"trademarks"`
	Indications  []string `json:"indications"`
}

// Normalized is the validated content of a model answer. Date is
// YYYY-MM-DD or "" (no date, omitted from JSON). Notes record every
// correction ParseAnswer made. A Normalized is a plain value.
type Normalized struct {
	Summary         string   `json:"summary"`
	EventType       string   `json:"event_type"`
	EventConfidence float64  `json:"event_confidence"`
	Entities        Entities `json:"entities"`
	Date            string   `json:"date,omitempty"`
	DateConfidence  float64  `json:"date_confidence"`
	DroppedEntities int      `json:"dropped_entities"`
	Notes           []string `json:"notes,omitempty"`
}

// ParseAnswer extracts and validates the model's answer about item.
//
// It strips a ```json fence, takes the first balanced JSON object (braces
// inside strings do not count) and decodes it, ignoring unknown fields. It
// then corrects what it can and notes each correction: an event type not in
// c.EventTypes becomes EventOther with confidence 0 (the answer is still
// useful, so this is not an error); confidences are clamped to [0, 1]; an
// invalid date is dropped; entities that do not appear in the item's title
// or content (case-insensitive) are dropped and counted, the others take the
// spelling of c when they match a canonical entry; a long summary is cut at
// MaxSummaryRunes.
//
// It returns an *AnswerError when there is nothing usable: no JSON object,
// an answer over MaxAnswerBytes or deeper than MaxAnswerDepth, wrong types,
// or an empty summary.
func ParseAnswer(text string, it item.Raw, c Canonical) (Normalized, error) {
	a, err := decodeAnswer(text)
	if err != nil {
		return Normalized{}, err
	}
	var n Normalized
	if a.Summary != nil {
		n.Summary = item.CleanText(*a.Summary)
	}
	if n.Summary == "" {
		return Normalized{}, &AnswerError{Reason: "summary is missing or empty"}
	}
	if s, cut := item.TruncateRunes(n.Summary, MaxSummaryRunes); cut {
		n.Summary = s
		n.note("summary cut at %d characters", MaxSummaryRunes)
	}
	n.setEventType(a, c)
	n.setDate(a)
	n.setEntities(a.Entities, it, c)
	return n, nil
}

func decodeAnswer(text string) (answer, error) {
	var a answer
	switch {
	case strings.TrimSpace(text) == "":
		return a, &AnswerError{Reason: "answer is empty"}
	case len(text) > MaxAnswerBytes:
		return a, &AnswerError{Reason: fmt.Sprintf("answer is %d bytes, more than %d", len(text), MaxAnswerBytes)}
	}
	obj, ok := extractObject(text)
	if !ok {
		return a, &AnswerError{Reason: "answer holds no JSON object"}
	}
	if item.NestingDepth([]byte(obj), MaxAnswerDepth) > MaxAnswerDepth {
		return a, &AnswerError{Reason: fmt.Sprintf("answer nests deeper than %d levels", MaxAnswerDepth)}
	}
	if err := json.Unmarshal([]byte(obj), &a); err != nil {
		return a, &AnswerError{Reason: "answer does not fit the schema: " + err.Error()}
	}
	return a, nil
}

func (n *Normalized) note(format string, args ...any) {
	n.Notes = append(n.Notes, fmt.Sprintf(format, args...))
}

func (n *Normalized) setEventType(a answer, c Canonical) {
	raw := ""
	if a.EventType != nil {
		raw = *a.EventType
	}
	n.EventType = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(raw)))
	n.EventConfidence = n.clamp("event_confidence", a.EventConfidence)
	if !c.HasEventType(n.EventType) {
		q, _ := item.TruncateRunes(item.OneLine(raw), 64)
		n.note("event_type %q is not in the list; set to %q with confidence 0", q, EventOther)
		n.EventType, n.EventConfidence = EventOther, 0
	}
}

func (n *Normalized) clamp(field string, f *looseFloat) float64 {
	switch {
	case f == nil:
		n.note("%s missing; set to 0", field)
		return 0
	case *f < 0:
		n.note("%s %g clamped to 0", field, float64(*f))
		return 0
	case *f > 1:
		n.note("%s %g clamped to 1", field, float64(*f))
		return 1
	}
	return float64(*f)
}

func (n *Normalized) setDate(a answer) {
	n.DateConfidence = n.clamp("date_confidence", a.DateConfidence)
	var s string
	if len(a.Date) > 0 && string(a.Date) != "null" && json.Unmarshal(a.Date, &s) != nil {
		n.note("date is not a string; dropped")
	}
	if s = strings.TrimSpace(s); len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	if d, err := time.Parse(time.DateOnly, s); s != "" && (err != nil || d.Year() < 1900 || d.Year() > 2100) {
		q, _ := item.TruncateRunes(item.OneLine(s), 40)
		n.note("date %q is not a YYYY-MM-DD date between 1900 and 2100; dropped", q)
		s = ""
	}
	n.Date = s
	if s == "" {
		n.DateConfidence = 0
	}
}

func (n *Normalized) setEntities(raw map[string]json.RawMessage, it item.Raw, c Canonical) {
	text := fold(it.Title + " " + it.Content)
	kinds := []struct {
		name string
		dst  *[]string
		ref  []string
	}{
		{"companies", &n.Entities.Companies, c.Companies},
		{"molecules", &n.Entities.Molecules, c.Molecules},
		{"technologies", &n.Entities.Technologies, c.Technologies},
		{"trademarks", &n.Entities.Trademarks, c.Trademarks},
		{"indications", &n.Entities.Indications, c.Indications},
	}
	for _, k := range kinds {
		list, skipped, ok := looseStrings(raw[k.name])
		if !ok {
			n.note("entities.%s is not a list of strings; dropped", k.name)
		}
		*k.dst = n.keepEntities(list, text, k.ref)
		n.DroppedEntities += skipped
		delete(raw, k.name)
	}
	if len(raw) > 0 {
		n.note("%d unknown entity kinds ignored", len(raw))
	}
}

// keepEntities returns the distinct names of list found in text (folded),
// spelled as in ref when they match an entry, and counts the others as
// dropped.
func (n *Normalized) keepEntities(list []string, text string, ref []string) []string {
	canon := make(map[string]string, len(ref))
	for _, r := range ref {
		canon[fold(r)] = r
	}
	out, seen := []string{}, map[string]bool{}
	for _, e := range list {
		e = item.CleanText(e)
		f := fold(e)
		switch {
		case seen[f]:
			continue
		case utf8.RuneCountInString(f) < minEntityRunes, utf8.RuneCountInString(e) > MaxEntityRunes,
			!strings.Contains(text, f), len(out) >= MaxEntitiesPerKind:
			n.DroppedEntities++
			continue
		}
		seen[f] = true
		if r, ok := canon[f]; ok {
			e = r
		}
		out = append(out, e)
	}
	return out
}

// fold prepares text for case-insensitive matching: lower case, trademark
// signs removed, white space collapsed.
func fold(s string) string {
	s = strings.NewReplacer("®", "", "™", "", "©", "").Replace(s)
	return strings.ToLower(item.OneLine(s))
}
