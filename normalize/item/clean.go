package normalize

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CleanText turns a raw title or content into plain text: invalid UTF-8 is
// replaced with U+FFFD, HTML tags are stripped, entities unescaped, control
// characters removed and runs of white space collapsed to one space.
func CleanText(s string) string {
	return oneLine(html.UnescapeString(stripTags(strings.ToValidUTF8(s, "\uFFFD"))))
}

// oneLine replaces invalid UTF-8, drops control characters and collapses
// white space to single spaces; unlike CleanText it is idempotent.
func oneLine(s string) string {
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

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) (string, bool) {
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

// DeriveItemID builds the id of an item that has none, as the original
// ingester did: "<source_key>_<YYYYMMDD>_<md5 of the title, 6 hex>". The
// date comes from the first ten characters of publishedAt ("undated" when
// they are not a date). The title is the cleaned title; when it is empty
// the url, then the content, is hashed instead so that empty-titled items
// do not collide.
func DeriveItemID(sourceKey, publishedAt, title, url, content string) string {
	basis := title
	for _, alt := range []string{url, content} {
		if basis == "" {
			basis = alt
		}
	}
	sum := md5.Sum([]byte(basis))
	return sourceKey + "_" + compactDate(publishedAt) + "_" + hex.EncodeToString(sum[:3])
}

func compactDate(publishedAt string) string {
	if len(publishedAt) >= 10 {
		if d, err := time.Parse(dateLayout, publishedAt[:10]); err == nil {
			return d.Format("20060102")
		}
	}
	return "undated"
}

// DeriveContentHash returns "sha256:" and the hex SHA-256 of the lower-cased,
// white-space-collapsed title + " " + content.
func DeriveContentHash(title, content string) string {
	norm := strings.Join(strings.Fields(strings.ToLower(title+" "+content)), " ")
	sum := sha256.Sum256([]byte(norm))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// validContentHash accepts "<algo>:<hex>" with a lower-case algorithm name
// and 16 to 128 hex digits.
func validContentHash(h string) bool {
	algo, digits, ok := strings.Cut(h, ":")
	if !ok || algo == "" || len(algo) > 16 || len(digits) < 16 || len(digits) > 128 {
		return false
	}
	return strings.Trim(algo, "abcdefghijklmnopqrstuvwxyz0123456789") == "" &&
		strings.Trim(digits, "0123456789abcdef") == ""
}

// cleanLanguage keeps a short BCP 47-like tag ("en", "fr", "pt-br") in
// lower case, or returns "".
func cleanLanguage(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	main, region, _ := strings.Cut(s, "-")
	okMain := len(main) >= 2 && len(main) <= 3 && strings.Trim(main, "abcdefghijklmnopqrstuvwxyz") == ""
	okRegion := len(region) <= 8 && strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
	if !okMain || !okRegion || strings.HasSuffix(s, "-") {
		return ""
	}
	return s
}
