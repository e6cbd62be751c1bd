package emulator

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// eventRules score the event types by keyword stems (lower case, matched
// anywhere in the item text). Ties go to the earlier rule.
var eventRules = []struct {
	kind  string
	stems []string
}{
	{"safety_signal", []string{"safety signal", "adverse", "recall", "boxed warning", "warning letter", "death", "clinical hold", "side effect", "probe"}},
	{"regulatory", []string{"fda", "ema", "chmp", "approv", "authoriz", "authoris", "new drug application", "nda", "bla", "label", "clearance", "designation", "regulator", "submission", "priority review", "nod"}},
	{"clinical_update", []string{"phase 1", "phase 2", "phase 3", "phase i", "trial", "topline", "enrol", "endpoint", "patients", "data from", "new data", "study"}},
	{"partnership", []string{"partner", "collaborat", "licens", "agreement", "alliance", "joint venture", "grant"}},
	{"corporate_move", []string{"acquir", "acquisition", "buys", "merger", "appoint", "ceo", "chief", "layoff", "restructur", "spinning out", "spin-off", "board", "join", "index", "ipo"}},
	{"financial_results", []string{"financial results", "revenue", "quarter", "earnings", "half-year", "fiscal", "sales", "guidance", "net loss", "profit", "raises", "financing", "$", "€"}},
	{"scientific_publication", []string{"publish", "journal", "publication", "lancet", "nejm", "poster", "abstract", "congress", "conference", "convention", "symposium"}},
	{"manufacturing_supply", []string{"manufactur", "supply", "plant", "facility", "shortage", "cdmo", "production", "capacity"}},
}

// classify returns the event type of text and a confidence in [0,1] that
// grows with the margin of the winning score.
func classify(text string) (string, float64) {
	lower := strings.ToLower(text)
	best, second, kind := 0, 0, "other"
	for _, r := range eventRules {
		score := 0
		for _, s := range r.stems {
			if containsWord(lower, s) {
				score++
			}
		}
		switch {
		case score > best:
			best, second, kind = score, best, r.kind
		case score > second:
			second = score
		}
	}
	if best == 0 {
		return kind, 0.4
	}
	conf := 0.6 + 0.1*float64(best) + 0.05*float64(best-second)
	return kind, round2(min(conf, 0.95))
}

// containsWord reports whether stem occurs in lower at the start of a word.
func containsWord(lower, stem string) bool {
	for i := 0; ; {
		j := strings.Index(lower[i:], stem)
		if j < 0 {
			return false
		}
		at := i + j
		if !wordBefore(lower, at) || !isWordByte(stem[0]) {
			return true
		}
		i = at + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// wordBefore reports whether a letter or digit ends s[:i].
func wordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// wordAt reports whether a letter or digit starts s[i:].
func wordAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func round2(f float64) float64 {
	return float64(int(f*100+0.5)) / 100
}
