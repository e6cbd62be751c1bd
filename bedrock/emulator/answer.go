package emulator

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/vectora/ingest-normalize/normalize"
)

// Answer sizes, in output tokens, of the real normalization answers.
const (
	answerMinTokens = 55
	answerMaxTokens = 190
	maxSummaryWords = 120 // more never fits in answerMaxTokens
)

// normalization is the JSON object Claude answers to a normalization
// prompt; the field order is the order of the real answers.
type normalization struct {
	Summary         string             `json:"summary"`
	EventType       string             `json:"event_type"`
	EventConfidence float64            `json:"event_confidence"`
	Entities        normalize.Entities `json:"entities"`
	Date            *string            `json:"date"`
	DateConfidence  float64            `json:"date_confidence"`
}

// fillers lengthen the summary of a short item, as Claude pads a thin item
// with what it does not say.
var fillers = strings.Fields("The item gives no further detail on terms, timing or financial impact. " +
	"No clinical data, regulatory dates or commercial figures are disclosed in the text. " +
	"Further information is expected in later company communications.")

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`\s+`)
	// gluedPattern finds words that scraping glued together:
	// "DisorderOctober 10, 2025October 10".
	gluedPattern = regexp.MustCompile(`([a-z]|\d{4})(January|February|March|April|May|June|July|August|September|October|November|December|Read More)`)
)

// answerCache keeps recent answers: a benchmark sends the same items again
// and again. It is safe for concurrent use.
type answerCache struct {
	mu      sync.Mutex
	answers map[uint64]string
}

// maxCachedAnswers bounds the cache; it is emptied when full.
const maxCachedAnswers = 4096

// get returns the answer to prompt, from the cache when it is there.
func (c *answerCache) get(prompt string) string {
	h := hashText(prompt)
	c.mu.Lock()
	a, ok := c.answers[h]
	c.mu.Unlock()
	if ok {
		return a
	}
	a = answer(prompt)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answers == nil || len(c.answers) >= maxCachedAnswers {
		c.answers = make(map[uint64]string)
	}
	c.answers[h] = a
	return a
}

// answer returns the deterministic answer to prompt: a normalization JSON
// object of 55–190 output tokens when the prompt holds an item as
// "TITLE: …" and "CONTENT: …" lines, else a short one about the prompt.
func answer(prompt string) string {
	text, ok := itemText(prompt)
	if !ok {
		text = clean(lastLines(prompt, 3))
	}
	n := normalization{Entities: extractEntities(text)}
	n.EventType, n.EventConfidence = classify(text)
	if d, c := findDate(text); d != "" {
		n.Date, n.DateConfidence = &d, c
	}
	words := strings.Fields(text)
	if !ok {
		return sized(n, words, 0)
	}
	if k := len(words) - 1; k >= 0 {
		words[k] = sentence(words[k:])
	}
	target := answerMinTokens + 5 + int(hashText(text)%111) // 60–170
	return sized(n, append(words, fillers...), target)
}

// sized sets the summary to the shortest prefix of words (at least the
// first sentence) that brings the answer to target tokens, never above
// answerMaxTokens, and returns the encoded answer.
func sized(n normalization, words []string, target int) string {
	k := min(firstSentence(words), len(words), maxSummaryWords)
	trimmed := false
	for {
		n.Summary = sentence(words[:k])
		out := encode(n)
		t := countTokens(out)
		switch {
		case t > answerMaxTokens && k > 1:
			k--
		case t > answerMaxTokens && !trimmed:
			n.Entities, trimmed = trimEntities(n.Entities), true
		case t < target && k < len(words):
			k++
		default:
			return out
		}
	}
}

// firstSentence returns the number of words up to the first sentence end.
func firstSentence(words []string) int {
	for i, w := range words {
		if strings.HasSuffix(w, ".") || strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?") {
			return i + 1
		}
	}
	return len(words)
}

// sentence joins words and ends the result with a full stop.
func sentence(words []string) string {
	s := strings.Join(words, " ")
	s = strings.TrimRight(s, ",;:–-")
	if s != "" && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// encode writes n as compact JSON without HTML escaping.
func encode(n normalization) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(n) // cannot fail: plain strings and numbers
	return strings.TrimSuffix(b.String(), "\n")
}

// trimEntities keeps the first two names of each list.
func trimEntities(e normalize.Entities) normalize.Entities {
	cut := func(l []string) []string { return l[:min(len(l), 2)] }
	return normalize.Entities{Companies: cut(e.Companies), Molecules: cut(e.Molecules),
		Technologies: cut(e.Technologies), Trademarks: cut(e.Trademarks), Indications: cut(e.Indications)}
}

// itemText extracts the item from the last "TITLE:" line and the
// "CONTENT:" that follows it (to the next blank line or the end), cleaned
// of HTML. Content that repeats the title is not doubled.
func itemText(prompt string) (string, bool) {
	t := lastLineStart(prompt, "TITLE:")
	if t < 0 {
		return "", false
	}
	rest := prompt[t+len("TITLE:"):]
	title, rest, _ := strings.Cut(rest, "\n")
	title = clean(title)
	content := ""
	if c := lastLineStart(rest, "CONTENT:"); c >= 0 {
		content, _, _ = strings.Cut(rest[c+len("CONTENT:"):], "\n\n")
		content = clean(content)
	}
	switch {
	case content == "":
		return title, true
	case strings.HasPrefix(content, title):
		return content, true
	}
	return strings.TrimRight(title, ".") + ". " + content, true
}

// lastLineStart returns the index of the last marker that starts a line.
func lastLineStart(s, marker string) int {
	for i := len(s); i > 0; {
		j := strings.LastIndex(s[:i], marker)
		if j < 0 {
			return -1
		}
		if j == 0 || s[j-1] == '\n' {
			return j
		}
		i = j
	}
	return -1
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	var out []string
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			out = append([]string{lines[i]}, out...)
		}
	}
	return strings.Join(out, " ")
}

// clean strips HTML tags and entities and collapses whitespace.
func clean(s string) string {
	s = html.UnescapeString(tagPattern.ReplaceAllString(s, " "))
	s = gluedPattern.ReplaceAllString(s, "$1 $2")
	return strings.TrimSpace(spacePattern.ReplaceAllString(s, " "))
}
