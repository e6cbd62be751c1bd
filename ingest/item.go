package ingest

import (
	"time"
	"unicode/utf8"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Item is one raw item as written to ingested/…/items.json: the fields of
// item.Raw, which normalization reads, plus PublishedAtFallback, true when
// the source gave no date and PublishedAt is the ingest date. An Item is a
// plain value, safe for concurrent reads.
type Item struct {
	item.Raw
	PublishedAtFallback bool `json:"published_at_fallback,omitempty"`
}

// newItem cleans an entry of src into an item, as the original ingester
// did; now gives the ingest date when the entry has none. ok is false for an
// entry with neither title nor content.
func newItem(src Source, e entry, now time.Time) (it Item, ok bool) {
	title := clip(item.CleanText(e.title), item.MaxTitleRunes)
	content := item.CleanText(e.content)
	if title == "" && content == "" {
		return Item{}, false
	}
	hash := contentHash(title, content)
	if src.MaxContent > 0 {
		content = clip(content, src.MaxContent)
	}
	day, fallback := e.published, e.published.IsZero()
	if fallback {
		day = now
	}
	date := day.UTC().Format(time.DateOnly)
	link := item.CleanText(e.link)
	if len(link) > item.MaxURLBytes {
		link = ""
	}
	return Item{Raw: item.Raw{
		ItemID:      item.DeriveItemID(src.Key, date, title, link, content),
		SourceKey:   src.Key,
		SourceType:  src.Type,
		Title:       title,
		Content:     content,
		URL:         link,
		PublishedAt: date,
		Language:    src.Language,
		ContentHash: hash,
	}, PublishedAtFallback: fallback}, true
}

// contentHash is the original ingester's content hash: "sha256:" and the
// SHA-256 of the lower-cased, white-space-collapsed content — the content
// alone, as the original's hashes show (item.DeriveContentHash with an
// empty title) — or of the title when there is no content.
func contentHash(title, content string) string {
	if content == "" {
		return item.DeriveContentHash(title, "")
	}
	return item.DeriveContentHash("", content)
}

// day returns the UTC day of the item's published_at.
func (it Item) day() time.Time {
	d, _ := time.Parse(time.DateOnly, it.PublishedAt)
	return d
}

// within reports whether the item's day is in the window [from, to] (UTC
// days, both inclusive).
func (it Item) within(from, to time.Time) bool {
	d := it.day()
	return !d.Before(from) && !d.After(to)
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// tally counts what happened to a source's entries.
type tally struct {
	Entries       int `json:"entries"`
	Empty         int `json:"empty,omitempty"`
	OutsideWindow int `json:"outside_window,omitempty"`
	Fallback      int `json:"published_at_fallback,omitempty"`
	Duplicates    int `json:"duplicates,omitempty"`
}

// items turns the entries of src into the items of the window [from, to],
// the first of each item id kept.
func items(src Source, entries []entry, from, to, now time.Time) ([]Item, tally) {
	t := tally{Entries: len(entries)}
	seen := map[string]bool{}
	var out []Item
	for _, e := range entries {
		it, ok := newItem(src, e, now)
		switch {
		case !ok:
			t.Empty++
		case !it.within(from, to):
			t.OutsideWindow++
		case seen[it.ItemID]:
			t.Duplicates++
		default:
			seen[it.ItemID] = true
			if it.PublishedAtFallback {
				t.Fallback++
			}
			out = append(out, it)
		}
	}
	return out, t
}

// dedupe drops the items whose content hash is in seen (shared across the
// sources of a run, taken in catalog order) and adds the others' hashes.
func dedupe(items []Item, seen map[string]bool) (kept []Item, dups int) {
	for _, it := range items {
		if seen[it.ContentHash] {
			dups++
			continue
		}
		seen[it.ContentHash] = true
		kept = append(kept, it)
	}
	return kept, dups
}
