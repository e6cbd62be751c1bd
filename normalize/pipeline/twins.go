package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// twins knows, for the items of a run, which other items have the same
// prompt: an item processed by another invocation may already hold the
// answer. It is built once, on first use, and safe for concurrent use.
type twins struct {
	once   sync.Once
	groups map[[sha256.Size]byte][]dayItem // prompts shared by two items or more
}

// of returns the other items of the run whose prompt is key.
func (t *twins) of(r *run, key [sha256.Size]byte, itemID string) []dayItem {
	t.once.Do(func() { t.groups = r.promptGroups() })
	var out []dayItem
	for _, d := range t.groups[key] {
		if d.Item.ItemID != itemID {
			out = append(out, d)
		}
	}
	return out
}

// promptGroups groups the run's items by prompt, keeping the groups of two
// or more.
func (r *run) promptGroups() map[[sha256.Size]byte][]dayItem {
	all := map[[sha256.Size]byte][]dayItem{}
	for _, d := range r.items {
		if d.Item.Check() != nil {
			continue
		}
		all[r.promptKey(d.Item)] = append(all[r.promptKey(d.Item)], d)
	}
	for k, g := range all {
		if len(g) < 2 {
			delete(all, k)
		}
	}
	return all
}

// promptKey is the key of the request the run sends for it.
func (r *run) promptKey(it item.Raw) [sha256.Size]byte {
	p := normalize.BuildPrompt(it, r.canon)
	return promptKey(r.p.model.ModelID(), bedrock.Prompt{System: p.System, User: p.User})
}

// fromTwin returns the normalization of another item of the run with the
// same prompt, when its record is written, ok and made from that very
// prompt (prompt_sha256), and the id of that item.
func (r *run) fromTwin(ctx context.Context, key [sha256.Size]byte, it item.Raw) (normalize.Normalized, string, bool) {
	want := hex.EncodeToString(key[:])
	for _, d := range r.shared.twins.of(r, key, it.ItemID) {
		k, err := item.ItemKey(r.ev.ClientID, d.Day, d.Item.ItemID)
		if err != nil {
			continue
		}
		data, err := getObject(ctx, r.p.s3, r.p.bucket, k, maxRecordBytes)
		if err != nil {
			continue // not written yet (404) or unreadable: call Bedrock
		}
		var rec normalize.Record
		if json.Unmarshal(data, &rec) == nil && rec.Status == normalize.StatusOK && rec.Normalized != nil && rec.PromptSHA256 == want {
			return *rec.Normalized, d.Item.ItemID, true
		}
	}
	return normalize.Normalized{}, "", false
}

// twinRecord returns the record of it made from a twin's answer (see
// fromTwin), unless the event forces a Bedrock call for every item.
func (r *run) twinRecord(key [sha256.Size]byte, it item.Raw, meta normalize.Meta) (normalize.Record, bool) {
	if r.ev.ForceReprocess {
		return normalize.Record{}, false
	}
	n, of, ok := r.fromTwin(r.callCtx, key, it)
	if !ok {
		return normalize.Record{}, false
	}
	meta.At, meta.AnswerOf = r.p.clock.Now(), of
	r.tally.sharedCall()
	return normalize.OK(it, n, meta), true
}

// maxRecordBytes bounds the per-item record read back from the bucket.
const maxRecordBytes = 1 << 20
