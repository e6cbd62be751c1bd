package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// BadItem is an input item (or a whole items file) that cannot be processed:
// it has no usable id, so it gets no record and is reported in the response
// and the log instead. A BadItem is a plain value.
type BadItem struct {
	Key      string `json:"key"`
	Position int    `json:"position,omitempty"`
	ItemID   string `json:"item_id,omitempty"`
	Field    string `json:"field,omitempty"`
	Reason   string `json:"reason"`
}

// dayItem is one input item with the day whose file it came from.
type dayItem struct {
	Day  time.Time
	Item item.Raw
}

// ref is the item's name within a run: "<YYYY-MM-DD>/<item_id>".
func (d dayItem) ref() string { return d.Day.Format(time.DateOnly) + "/" + d.Item.ItemID }

// source lists the input items of an event. Every invocation of a run lists
// the same items in the same order. source is safe for concurrent use.
type source struct {
	s3     S3
	bucket string
}

// Selection says what a Run looked at before any filter: the window's
// items files and their items, and how many items each filter of the
// event removed. It is a plain value.
type Selection struct {
	Bucket   string    `json:"bucket"`
	Keys     string    `json:"keys"`      // the items files read, as a pattern: ingested/<client>/<YYYY>/<MM>/<DD>/items.json
	From     string    `json:"from"`      // the window's first day, YYYY-MM-DD
	To       string    `json:"to"`        // its last day
	Files    int       `json:"files"`     // items files found in the window
	InWindow int       `json:"in_window"` // usable items in them (bad items are listed apart)
	Removed  []Removal `json:"removed,omitempty"`
}

// Removal is what one filter of the event removed from the window's items.
type Removal struct {
	Filter string `json:"filter"` // "sources [a b]" or "max_items 5"
	Items  int    `json:"items"`
}

// nothingMatched is the message of a run without items: what was read and
// what removed the items, if any were found.
func (s Selection) nothingMatched(bad int) string {
	if s.InWindow == 0 {
		return fmt.Sprintf("nothing to do: no items in the window %s..%s (%d of its days have an items file at s3://%s/%s; %d bad items)",
			s.From, s.To, s.Files, s.Bucket, s.Keys, bad)
	}
	parts := make([]string, len(s.Removed))
	for i, r := range s.Removed {
		parts[i] = fmt.Sprintf("%s removed %d", r.Filter, r.Items)
	}
	return fmt.Sprintf("nothing to do: 0 of %d items in the window matched: %s", s.InWindow, strings.Join(parts, ", "))
}

// items reads the items file of each day of ev's window (a missing file
// means no items that day), filters them by source, sorts them by day and
// item id and applies max_items. The Selection says what was read and
// what each filter removed.
func (s source) items(ctx context.Context, ev item.Event, now time.Time) ([]dayItem, []BadItem, Selection, error) {
	var all []dayItem
	var bad []BadItem
	days := ev.Days(now)
	sel := Selection{Bucket: s.bucket, Keys: item.IngestedPrefix + ev.ClientID + "/<YYYY>/<MM>/<DD>/items.json"}
	if len(days) > 0 {
		sel.From, sel.To = days[0].Format(time.DateOnly), days[len(days)-1].Format(time.DateOnly)
	}
	removed := 0
	for _, day := range days {
		got, b, found, err := s.day(ctx, ev, day)
		if err != nil {
			return nil, nil, sel, err
		}
		if found {
			sel.Files++
		}
		sel.InWindow += len(got)
		kept := item.FilterSources(got, ev.Sources)
		removed += len(got) - len(kept)
		for _, it := range kept {
			all = append(all, dayItem{Day: day, Item: it})
		}
		bad = append(bad, b...)
	}
	if len(ev.Sources) > 0 {
		sel.Removed = append(sel.Removed, Removal{Filter: fmt.Sprintf("sources %v", ev.Sources), Items: removed})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].Day.Equal(all[j].Day) {
			return all[i].Day.Before(all[j].Day)
		}
		return all[i].Item.ItemID < all[j].Item.ItemID
	})
	if ev.MaxItems > 0 && len(all) > ev.MaxItems {
		sel.Removed = append(sel.Removed, Removal{Filter: fmt.Sprintf("max_items %d", ev.MaxItems), Items: len(all) - ev.MaxItems})
		all = all[:ev.MaxItems]
	}
	return all, bad, sel, nil
}

// day reads the items of one day; found is false when it has no items
// file.
func (s source) day(ctx context.Context, ev item.Event, day time.Time) (items []item.Raw, bad []BadItem, found bool, err error) {
	key, err := item.InputKey(ev.ClientID, day)
	if err != nil {
		return nil, nil, false, err
	}
	data, err := getObject(ctx, s.s3, s.bucket, key, item.MaxItemsFileBytes)
	if isStatus(err, 404) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	items, errs, err := item.ParseItems(data)
	if err != nil {
		return nil, []BadItem{{Key: key, Reason: err.Error()}}, true, nil
	}
	bad = make([]BadItem, 0, len(errs))
	for _, e := range errs {
		bad = append(bad, BadItem{Key: key, Position: e.Position, ItemID: e.ItemID, Field: e.Field, Reason: e.Error()})
	}
	return items, bad, true, nil
}

// runID names the run of ev over items cut in batches of batch: the event's
// RunKey plus a digest of the items (ids and content hashes) and the batch
// size, so that invocations share a run only when they see the same items
// and cut the same batches. A forced run also carries the invocation's
// time and a random tag: each force_reprocess is a run of its own, which
// redoes every item of the window however often it is asked.
func runID(ev item.Event, now time.Time, items []dayItem, batch int) string {
	h := sha256.New()
	for _, d := range items {
		fmt.Fprintf(h, "%s\x00%s\n", d.ref(), d.Item.ContentHash)
	}
	id := fmt.Sprintf("%s:%s:b%d", ev.RunKey(now), hex.EncodeToString(h.Sum(nil)[:6]), batch)
	if ev.ForceReprocess {
		id += fmt.Sprintf(":force-%s-%08x", now.UTC().Format("20060102T150405"), rand.Uint32())
	}
	return id
}

// cut splits items into batches of n.
func cut(items []dayItem, n int) [][]dayItem {
	var out [][]dayItem
	for len(items) > 0 {
		k := min(n, len(items))
		out = append(out, items[:k])
		items = items[k:]
	}
	return out
}
