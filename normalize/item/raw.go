package item

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Bounds on items.
const (
	MaxItemsFileBytes = 64 << 20 // a whole items file
	MaxItemBytes      = 4 << 20  // one JSON Lines line or array element
	MaxItemDepth      = 8
	MaxTitleRunes     = 1000
	MaxContentBytes   = 64 << 10 // content kept after cleaning; the hash covers it all
	MaxURLBytes       = 2048
	maxShortField     = 64
)

// Raw is one ingested press item as read from ingested/…/items.json.
// After ParseItems, every field is cleaned and ItemID, SourceKey and
// ContentHash are set and valid. A Raw is a plain value, safe for
// concurrent reads.
type Raw struct {
	ItemID      string `json:"item_id"`
	SourceKey   string `json:"source_key"`
	SourceType  string `json:"source_type"`
	Title       string `json:"title"`
	Content     string `json:"content"`
	URL         string `json:"url"`
	PublishedAt string `json:"published_at"`
	Language    string `json:"language"`
	ContentHash string `json:"content_hash"`
}

// Check returns ErrEmptyItem when the item has neither title nor content.
// Such an item is kept by ParseItems; the pipeline records it as a fallback
// with err.Error() as the reason instead of calling the model.
func (it Raw) Check() error {
	if it.Title == "" && it.Content == "" {
		return ErrEmptyItem
	}
	return nil
}

// ParseItems reads an items file: a JSON array of objects or JSON Lines
// (detected from the first byte after an optional BOM; blank lines are
// skipped). Each element or line that cannot be used yields an ItemError with
// its position and is left out of items; nothing is dropped silently. The
// error, wrapping ErrMalformedItems, is for a file that is not JSON at all:
// too large, neither '[' nor '{' first, a broken array, or JSON Lines of
// which no line is JSON. Duplicate item ids after the first are ItemErrors.
func ParseItems(data []byte) (items []Raw, bad []ItemError, err error) {
	raws, bad, err := Split(data)
	if err != nil {
		return nil, bad, err
	}
	return collect(raws, bad)
}

// collect decodes and cleans each raw item; a nil raw marks a position whose
// ItemError is already in bad.
func collect(raws []json.RawMessage, bad []ItemError) ([]Raw, []ItemError, error) {
	items := make([]Raw, 0, len(raws))
	seen := map[string]int{}
	for i, raw := range raws {
		if raw == nil {
			continue
		}
		it, ie := decodeItem(i+1, raw)
		if ie == nil {
			if first, dup := seen[it.ItemID]; dup {
				ie = &ItemError{Position: i + 1, ItemID: it.ItemID, Field: "item_id", Reason: fmt.Sprintf("duplicates item %d", first), Fix: "give each item a distinct item_id"}
			}
		}
		if ie != nil {
			bad = append(bad, *ie)
			continue
		}
		seen[it.ItemID] = i + 1
		items = append(items, it)
	}
	return items, bad, nil
}

func decodeItem(pos int, raw json.RawMessage) (Raw, *ItemError) {
	var it Raw
	if len(raw) > MaxItemBytes {
		return it, &ItemError{Position: pos, Reason: fmt.Sprintf("is %d bytes, more than %d", len(raw), MaxItemBytes), Fix: "shorten the content"}
	}
	if NestingDepth(raw, MaxItemDepth) > MaxItemDepth {
		return it, &ItemError{Position: pos, Reason: fmt.Sprintf("nests deeper than %d levels", MaxItemDepth), Fix: "write a flat JSON object"}
	}
	if err := json.Unmarshal(raw, &it); err != nil {
		return it, itemDecodeError(pos, err)
	}
	return cleanItem(pos, it)
}

func itemDecodeError(pos int, err error) *ItemError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &ItemError{Position: pos, Field: te.Field, Reason: fmt.Sprintf("has JSON type %s, want %s", te.Value, te.Type), Fix: "write " + te.Field + " as a string"}
	}
	if errors.As(err, &te) {
		return &ItemError{Position: pos, Reason: "is a JSON " + te.Value + ", not an object", Fix: "write each item as a JSON object"}
	}
	return &ItemError{Position: pos, Reason: "is not valid JSON: " + err.Error(), Fix: "write each item as a JSON object"}
}

// cleanItem cleans every field, derives a missing id or hash and checks that
// the id is safe as an S3 key segment.
func cleanItem(pos int, it Raw) (Raw, *ItemError) {
	it.SourceKey = strings.TrimSpace(it.SourceKey)
	if err := CheckSourceKey(it.SourceKey); err != nil {
		return it, fieldItemError(pos, it.ItemID, err)
	}
	it.SourceType = shortField(it.SourceType, maxShortField)
	it.PublishedAt = shortField(it.PublishedAt, maxShortField)
	it.Language = CleanLanguage(it.Language)
	it.URL = shortField(it.URL, MaxURLBytes)
	it.Title, _ = TruncateRunes(CleanText(it.Title), MaxTitleRunes)
	it.Content = CleanText(it.Content)
	if h := strings.TrimSpace(it.ContentHash); validContentHash(h) {
		it.ContentHash = h
	} else {
		it.ContentHash = DeriveContentHash(it.Title, it.Content)
	}
	it.Content = truncateBytes(it.Content, MaxContentBytes)
	it.ItemID = strings.TrimSpace(it.ItemID)
	if it.ItemID == "" {
		it.ItemID = DeriveItemID(it.SourceKey, it.PublishedAt, it.Title, it.URL, it.Content)
	}
	if err := CheckItemID(it.ItemID); err != nil {
		return it, fieldItemError(pos, shortField(it.ItemID, 80), err)
	}
	return it, nil
}

func fieldItemError(pos int, id string, err error) *ItemError {
	fe := err.(*FieldError)
	return &ItemError{Position: pos, ItemID: id, Field: fe.Field, Reason: fe.Reason, Fix: fe.Fix}
}

// shortField cleans a one-line field and drops it when longer than max
// bytes.
func shortField(s string, max int) string {
	s = CleanText(s)
	if len(s) > max {
		return ""
	}
	return s
}

// FilterSources returns the items whose SourceKey is in sources, in order;
// with no sources it returns items unchanged.
func FilterSources(items []Raw, sources []string) []Raw {
	if len(sources) == 0 {
		return items
	}
	keep := make(map[string]bool, len(sources))
	for _, s := range sources {
		keep[s] = true
	}
	var out []Raw
	for _, it := range items {
		if keep[it.SourceKey] {
			out = append(out, it)
		}
	}
	return out
}
