package item

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanText turns a raw title or content into plain text: invalid UTF-8 is
// replaced with U+FFFD, HTML tags are stripped, entities unescaped, control
// characters removed and runs of white space collapsed to one space.
func CleanText(s string) string {
	return OneLine(html.UnescapeString(stripTags(strings.ToValidUTF8(s, "\uFFFD"))))
}

// OneLine replaces invalid UTF-8, drops control characters and collapses
// white space to single spaces; unlike CleanText it is idempotent. The
// prompt and the records use it on text that is already clean.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// stripTags removes HTML tags: '<' followed by a letter, '/', '!' or '?' up
// to the matching '>' outside quoted attribute values. Any other '<' is kept
// as text, as is an unterminated tag.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && tagStart(s[i+1]) {
			if end := tagEnd(s, i+1); end > 0 {
				b.WriteByte(' ')
				i = end
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func tagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// tagEnd returns the index of the '>' closing the tag whose body starts at
// i, or -1.
func tagEnd(s string, i int) int {
	var quote byte
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// TruncateRunes cuts s to at most n runes and reports whether it cut.
func TruncateRunes(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], true
}

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CleanLanguage keeps a short BCP 47-like tag ("en", "fr", "pt-br") in
// lower case, or returns "".
func CleanLanguage(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	main, region, _ := strings.Cut(s, "-")
	okMain := len(main) >= 2 && len(main) <= 3 && strings.Trim(main, "abcdefghijklmnopqrstuvwxyz") == ""
	okRegion := len(region) <= 8 && strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
	if !okMain || !okRegion || strings.HasSuffix(s, "-") {
		return ""
	}
	return s
}
