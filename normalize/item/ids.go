package item

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Limits on identifiers that end up in S3 keys.
const (
	MaxClientIDLen  = 64
	MaxSourceKeyLen = 128
	MaxItemIDLen    = 200
)

// CheckClientID reports whether id is a valid client id: 1 to 64 ASCII
// letters, digits, '_' or '-'.
func CheckClientID(id string) error {
	return checkID("client_id", id, MaxClientIDLen, false)
}

// CheckSourceKey reports whether key is a valid source key: 1 to 128 ASCII
// letters, digits, '_', '-' or '.', not starting with '.' and without "..".
func CheckSourceKey(key string) error {
	return checkID("source_key", key, MaxSourceKeyLen, true)
}

// CheckItemID reports whether id is safe as one S3 key segment: 1 to 200
// ASCII letters, digits, '_', '-' or '.', not starting with '.' and without
// "..".
func CheckItemID(id string) error {
	return checkID("item_id", id, MaxItemIDLen, true)
}

func checkID(field, id string, max int, dots bool) error {
	allowed := "letters, digits, '_' and '-'"
	if dots {
		allowed = "letters, digits, '_', '-' and '.'"
	}
	fix := fmt.Sprintf("use 1 to %d ASCII %s", max, allowed)
	switch {
	case id == "":
		return &FieldError{Field: field, Reason: "is empty", Fix: fix}
	case len(id) > max:
		return &FieldError{Field: field, Reason: fmt.Sprintf("is %d bytes long, more than %d", len(id), max), Fix: fix}
	}
	if i := strings.IndexFunc(id, func(r rune) bool { return !idRune(r, dots) }); i >= 0 {
		return &FieldError{Field: field, Reason: fmt.Sprintf("has a forbidden character %q at byte %d", firstRune(id[i:]), i), Fix: fix}
	}
	if dots && (id[0] == '.' || strings.Contains(id, "..")) {
		return &FieldError{Field: field, Reason: `starts with "." or contains ".."`, Fix: fix}
	}
	return nil
}

func idRune(r rune, dots bool) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
		return true
	}
	return dots && r == '.'
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
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
