package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// complete reads the run's batches once more, fills the counts and, when
// every batch is done, assembles the day files: when this invocation
// finished a batch, or when a day file is missing (its assembler died).
func (r *run) complete(ctx context.Context, resp *Response) error {
	r.fill(resp)
	if !r.lease.Valid() {
		r.count(resp, r.lastStates())
		resp.Message = fmt.Sprintf("lease lost: %v; %d items remain", r.lease.Err(), resp.Counts.Remaining)
		return nil
	}
	states, err := r.states(ctx)
	if err != nil {
		return err
	}
	all, busy := r.count(resp, states)
	if !all {
		resp.Message = remainMessage(resp.Counts.Remaining, len(r.items), busy, resp.Counts.Failed) + replacedNote(resp.Counts.Replaced)
		return nil
	}
	n, err := r.assemble(ctx, r.fresh > 0)
	if err != nil {
		return err
	}
	worked := resp.Counts.OK + resp.Counts.Fallback + resp.Counts.Failed
	switch {
	case worked == 0 && resp.Counts.AlreadyDone+resp.Counts.Peers == len(r.items) && r.fresh == 0:
		resp.Message = fmt.Sprintf("nothing to do: all %d items already normalized", len(r.items))
	default:
		resp.Message = fmt.Sprintf("run complete: %d items (%d ok, %d fallback here; %d by peers; %d already done); %d day files assembled",
			len(r.items), resp.Counts.OK, resp.Counts.Fallback, resp.Counts.Peers, resp.Counts.AlreadyDone, n)
	}
	resp.Message += replacedNote(resp.Counts.Replaced)
	return nil
}

// outputs copies the keys written into the response.
func (r *run) outputs(resp *Response) {
	r.tally.mu.Lock()
	defer r.tally.mu.Unlock()
	resp.Outputs.Count, resp.Outputs.Keys = r.tally.nkeys, append([]string(nil), r.tally.keys...)
}

// fill copies the tally into the response.
func (r *run) fill(resp *Response) {
	t := &r.tally
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &resp.Counts
	c.OK, c.Fallback, c.Failed, c.AlreadyDone, c.Replaced = t.ok, t.fallback, t.failed, t.already, t.nreplaced
	resp.Bedrock = BedrockStats{Calls: t.calls, Attempts: t.attempts, Throttles: t.throttl, TokensIn: t.in, TokensReserved: t.reserved, TokensSettled: t.settled,
		TokensOut: t.out, BudgetWaitMS: t.wait.Milliseconds(), BedrockMS: t.bedrock.Milliseconds()}
	t.cache.fill(&resp.Bedrock)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.mine {
		c.Claimed += len(r.batches[b.index])
		c.Remaining += b.open + b.failed
	}
}

// replacedNote is the message's note of the records replaced, if any.
func replacedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d earlier records replaced", n)
}

// remainMessage says what is left of a run this invocation leaves
// unfinished: items peers are working on need nothing from the caller.
func remainMessage(remaining, total, busy, failed int) string {
	if busy == remaining {
		return fmt.Sprintf("%d of %d items in progress by peers (%d failed here)", remaining, total, failed)
	}
	return fmt.Sprintf("%d of %d items remain, %d of them in progress by peers: invoke again to finish the rest (%d failed here)",
		remaining, total, busy, failed)
}

// count adds the batches this invocation did not claim to the counts and
// reports whether every batch of the run is done, and how many items are
// in batches that peers hold.
func (r *run) count(resp *Response, states map[int]claim.State) (all bool, busy int) {
	all = true
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, items := range r.batches {
		st := states[i]
		if st.State != claim.Done {
			all = false
		}
		if _, mine := r.mine[i]; mine {
			continue
		}
		switch {
		case st.State == claim.Claimed:
			resp.Counts.Remaining += len(items)
			busy += len(items)
		case st.State != claim.Done:
			resp.Counts.Remaining += len(items)
		case r.start[i].State == claim.Done:
			resp.Counts.AlreadyDone += len(items)
		default:
			resp.Counts.Peers += len(items)
		}
	}
	return all, busy
}

// assemble writes each day's items.json; unless force, only the days whose
// file is missing. It returns how many it wrote.
func (r *run) assemble(ctx context.Context, force bool) (int, error) {
	n := 0
	for _, day := range r.days() {
		key, err := item.DayKey(r.ev.ClientID, day)
		if err != nil {
			return n, err
		}
		if !force {
			if ok, err := r.sink.exists(ctx, key); err != nil || ok {
				continue
			}
		}
		prefix, _ := item.ItemPrefix(r.ev.ClientID, day)
		recs, err := r.sink.assemble(ctx, prefix, key)
		if err != nil {
			return n, err
		}
		r.tally.wrote(key)
		r.p.log.Info("day assembled", "run_key", r.id, "key", key, "records", recs)
		n++
	}
	return n, nil
}

// days lists the distinct days of the run's items.
func (r *run) days() []time.Time {
	var out []time.Time
	for _, d := range r.items {
		if len(out) == 0 || !out[len(out)-1].Equal(d.Day) {
			out = append(out, d.Day)
		}
	}
	return out
}

// dryRun counts what a Run would do, without lease, claims or writes: one
// HEAD per item.
func (r *run) dryRun(ctx context.Context, resp *Response) error {
	s := &sink{s3: r.p.s3, bucket: r.p.bucket}
	for _, d := range r.items {
		key, err := item.ItemKey(r.ev.ClientID, d.Day, d.Item.ItemID)
		if err != nil {
			return err
		}
		o, err := s.head(ctx, key)
		if err != nil {
			return err
		}
		if !r.ev.ForceReprocess && o.usable(d.Item.ContentHash) {
			resp.Counts.AlreadyDone++
		} else {
			resp.Counts.Remaining++
		}
	}
	resp.Message = fmt.Sprintf("dry run: %d items would be normalized, %d already done", resp.Counts.Remaining, resp.Counts.AlreadyDone)
	return nil
}
