package pipeline

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// outcome is how one item ended in one invocation.
type outcome int

const (
	outAbandoned outcome = iota // no record: not started before the deadline, lease lost, or write failed
	outOK
	outFallback
	outFailed
	outAlready // a usable record with the same content hash existed
	outStale   // a holder with a higher fence wrote it
)

var outcomeNames = [...]string{"abandoned", "ok", "fallback", "failed", "already_done", "stale"}

func (o outcome) String() string { return outcomeNames[o] }

// settled reports whether the item has a usable record after this outcome.
func (o outcome) settled() bool { return o != outAbandoned && o != outFailed }

// process normalizes one item: skip it when its usable record exists,
// else call the model (unless the item is empty), parse the answer and write
// exactly one record.
func (r *run) process(d dayItem) outcome {
	it := d.Item
	key, err := item.ItemKey(r.ev.ClientID, d.Day, it.ItemID)
	if err != nil {
		return r.logged(d, outAbandoned, err.Error())
	}
	if r.stopped() {
		return r.logged(d, outAbandoned, "not started before the deadline or lease end")
	}
	ctx := r.lease.Context()
	prev, err := r.sink.head(ctx, key)
	if err != nil {
		return r.logged(d, outAbandoned, err.Error())
	}
	if !r.ev.ForceReprocess && prev.usable(it.ContentHash) {
		return r.logged(d, outAlready, "record with the same content hash exists")
	}
	rec, o, reason := r.normalize(it)
	if o == outAbandoned {
		return r.logged(d, o, reason)
	}
	switch err := r.sink.write(ctx, key, rec, prev); {
	case errors.Is(err, ErrStale):
		return r.logged(d, outStale, err.Error())
	case err != nil:
		return r.logged(d, outAbandoned, err.Error())
	}
	r.tally.wrote(key)
	if prev.found {
		r.tally.replaced()
	}
	return r.logged(d, o, reason)
}

// normalize returns the record of it: fallback for an empty item or an
// unusable answer, failed when Bedrock could not be reached in time, and
// outAbandoned when the lease ended (nobody may write then).
func (r *run) normalize(it item.Raw) (normalize.Record, outcome, string) {
	meta := normalize.Meta{ModelID: r.p.model.ModelID(), Run: normalize.Run{HolderID: r.lease.Holder(), Fence: r.lease.Fence()}}
	if err := it.Check(); err != nil {
		meta.At = r.p.clock.Now()
		return normalize.Fallback(it, err.Error(), meta), outFallback, err.Error()
	}
	p := normalize.BuildPrompt(it, r.canon)
	prompt := bedrock.Prompt{System: p.System, User: p.User}
	key := promptKey(meta.ModelID, prompt)
	meta.PromptSHA256 = hex.EncodeToString(key[:])
	if rec, ok := r.twinRecord(key, it, meta); ok {
		return rec, outOK, ""
	}
	res, answerOf, err := r.call(key, it.ItemID, prompt, r.ev.ForceReprocess)
	meta.At = r.p.clock.Now()
	if err == nil && answerOf != "" {
		meta.AnswerOf = answerOf
		r.tally.sharedCall()
		return r.parsed(it, res.Text, meta)
	}
	if err != nil {
		var ce *bedrock.CallError
		if errors.As(err, &ce) {
			r.tally.add(ce.Stats, bedrock.Usage{})
			meta.Attempts = ce.Attempts
		}
		if r.lease.Err() != nil {
			return normalize.Record{}, outAbandoned, fmt.Sprintf("lease ended during the call: %v", r.lease.Err())
		}
		var day *budget.DayExhaustedError
		switch {
		case errors.Is(err, budget.ErrPaused): // the item stays for a run after the resume
			r.halt()
			return normalize.Record{}, outAbandoned, err.Error()
		case errors.As(err, &day): // no call was made; none will be until the reset
			reason := fmt.Sprintf("daily quota %s spent (%.0f tokens), no call made: resets at %s",
				day.Name, day.Limit, day.ResetAt.Format(time.RFC3339))
			return normalize.Failed(it, reason, meta), outFailed, reason
		}
		reason := "bedrock unreachable before the deadline: " + err.Error()
		return normalize.Failed(it, reason, meta), outFailed, reason
	}
	r.tally.add(res.Stats, res.Usage)
	r.pool.observe(res.BudgetWait, res.BedrockTime)
	meta.Attempts = res.Attempts
	meta.Usage = recordUsage(res.Usage)
	return r.parsed(it, res.Text, meta)
}

// parsed returns the record of it made from the model's answer text.
func (r *run) parsed(it item.Raw, text string, meta normalize.Meta) (normalize.Record, outcome, string) {
	n, err := normalize.ParseAnswer(text, it, r.canon)
	if err != nil {
		return normalize.Fallback(it, err.Error(), meta), outFallback, err.Error()
	}
	return normalize.OK(it, n, meta), outOK, ""
}

// logged writes the item's log line, counts the outcome and returns it.
func (r *run) logged(d dayItem, o outcome, reason string) outcome {
	r.tally.outcome(o)
	level := slog.LevelInfo
	if o == outAbandoned || o == outFailed {
		level = slog.LevelWarn
	}
	r.p.log.Log(context.Background(), level, "item", "run_key", r.id, "day", d.Day.Format(time.DateOnly),
		"item_id", d.Item.ItemID, "outcome", o.String(), "reason", reason, "holder", r.holder())
	return o
}

func (r *run) holder() string {
	if r.lease == nil {
		return ""
	}
	return r.lease.Holder()
}
