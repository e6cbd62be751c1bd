package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
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

// items reads the items file of each day of ev's window (a missing file
// means no items that day), filters them by source, sorts them by day and
// item id and applies max_items.
func (s source) items(ctx context.Context, ev item.Event, now time.Time) ([]dayItem, []BadItem, error) {
	var all []dayItem
	var bad []BadItem
	for _, day := range ev.Days(now) {
		got, b, err := s.day(ctx, ev, day)
		if err != nil {
			return nil, nil, err
		}
		all, bad = append(all, got...), append(bad, b...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].Day.Equal(all[j].Day) {
			return all[i].Day.Before(all[j].Day)
		}
		return all[i].Item.ItemID < all[j].Item.ItemID
	})
	if ev.MaxItems > 0 && len(all) > ev.MaxItems {
		all = all[:ev.MaxItems]
	}
	return all, bad, nil
}

func (s source) day(ctx context.Context, ev item.Event, day time.Time) ([]dayItem, []BadItem, error) {
	key, err := item.InputKey(ev.ClientID, day)
	if err != nil {
		return nil, nil, err
	}
	data, err := getObject(ctx, s.s3, s.bucket, key, item.MaxItemsFileBytes)
	if isStatus(err, 404) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	items, errs, err := item.ParseItems(data)
	if err != nil {
		return nil, []BadItem{{Key: key, Reason: err.Error()}}, nil
	}
	bad := make([]BadItem, 0, len(errs))
	for _, e := range errs {
		bad = append(bad, BadItem{Key: key, Position: e.Position, ItemID: e.ItemID, Field: e.Field, Reason: e.Error()})
	}
	items = item.FilterSources(items, ev.Sources)
	out := make([]dayItem, len(items))
	for i, it := range items {
		out[i] = dayItem{Day: day, Item: it}
	}
	return out, bad, nil
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
