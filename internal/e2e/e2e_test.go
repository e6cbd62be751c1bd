package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentInvocationsShareOneBatch fires three invocations at once
// over the same 60 items, one RIE each: every item is normalized exactly
// once, within the quota, and a fourth invocation finds nothing to do.
func TestConcurrentInvocationsShareOneBatch(t *testing.T) {
	bootstrap, rieBin := binaries(t)
	st := newStack(t, quota{rpm: 60, tpm: 150_000, scale: 20})
	env := st.lambdaEnv("LEASE_TTL=20s")
	var ries []*rie
	for i := 1; i <= 3; i++ {
		ries = append(ries, startRIE(t, fmt.Sprintf("rie-%d", i), bootstrap, rieBin, env))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	resps := invokeAll(ctx, ries, st.event())
	claimed, written, remaining := 0, 0, itemCount
	for i, r := range resps {
		t.Logf("invocation %d: %.1fs: %s", i+1, r.elapsed.Seconds(), r.body)
		if r.err != nil {
			t.Fatal(r.err)
		}
		n, _ := r.count("claimed")
		ok, _ := r.count("ok")
		fb, _ := r.count("fallback")
		claimed, written = claimed+n, written+ok+fb
		if n, ok := r.count("remaining"); ok {
			remaining = min(remaining, n) // the last one to finish completes the run
		}
	}
	if remaining != 0 {
		t.Errorf("every invocation ended with items remaining (at least %d)", remaining)
	}
	if written != itemCount {
		t.Errorf("the invocations report %d records written (ok + fallback), want %d", written, itemCount)
	}
	recs := st.records()
	st.checkRecords(recs)
	t.Logf("records by status %v, by holder %v; %d day files", recs.ByStatus(), recs.ByHolder(), len(recs.DayFiles))
	if n := recs.ByStatus()["failed"]; n > 0 {
		t.Errorf("%d records failed", n)
	}
	if len(recs.DayFiles) != len(st.seeded.Days) {
		t.Errorf("%d day files, want one for each of the %d seeded days", len(recs.DayFiles), len(st.seeded.Days))
	}
	calls := st.calls()
	t.Logf("bedrock: %+v", calls)
	if calls.Completed != itemCount || calls.Admitted != itemCount || calls.Throttled() != 0 {
		t.Errorf("bedrock saw %d admitted, %d completed, %d throttled calls; want %d, %d, 0",
			calls.Admitted, calls.Completed, calls.Throttled(), itemCount, itemCount)
	}
	if claimed != 0 && claimed != itemCount {
		t.Errorf("the invocations claimed %d items between them, want %d", claimed, itemCount)
	}
	checkNoLease(t, st)

	fourth := ries[0].invoke(ctx, st.event())
	t.Logf("fourth invocation: %.1fs: %s", fourth.elapsed.Seconds(), fourth.body)
	if fourth.err != nil {
		t.Fatal(fourth.err)
	}
	checkNothingDone(t, st, recs, calls, fourth)
	checkNoLease(t, st)
}

// TestKilledInvocationIsRecovered kills one invocation's process group
// (RIE and Lambda) mid-run; once its lease has expired, a later invocation
// finishes its items. Nothing is lost; nothing is normalized twice except
// the calls that were in flight when it died.
func TestKilledInvocationIsRecovered(t *testing.T) {
	k := newTakeover(t, "rie-victim", 60*time.Second)
	st, victim := k.st, k.first
	go victim.invoke(k.ctx, st.event()) // dies with its process
	holder := waitForWork(t, st, 5)
	victim.kill()
	before := st.records()
	calls := st.calls()
	lost := int(calls.Admitted) - len(before.Items) // admitted calls that may leave no record
	t.Logf("killed %s (holder %s) after %d records; bedrock %+v", victim.name, holder, len(before.Items), calls)

	k.takeOver(t, holder)
	after := st.records()
	st.checkRecords(after)
	t.Logf("records by status %v, by holder %v", after.ByStatus(), after.ByHolder())
	if n := after.ByStatus()["failed"]; n > 0 {
		t.Errorf("%d records failed", n)
	}
	checkUnchanged(t, before, after)
	end := st.calls()
	t.Logf("bedrock: %+v", end)
	if int(end.Completed) > itemCount+lost || int(end.Admitted) > itemCount+lost {
		t.Errorf("bedrock saw %d admitted, %d completed calls; want at most %d items + %d lost in flight",
			end.Admitted, end.Completed, itemCount, lost)
	}
	if end.Throttled() != 0 {
		t.Errorf("bedrock throttled %d calls", end.Throttled())
	}
	checkNoLease(t, st)
}

func invokeAll(ctx context.Context, ries []*rie, event string) []response {
	out := make([]response, len(ries))
	var wg sync.WaitGroup
	for i, r := range ries {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = r.invoke(ctx, event) }()
	}
	wg.Wait()
	return out
}

func checkNoLease(t *testing.T, st *stack) {
	t.Helper()
	for _, h := range st.table().Holders {
		t.Errorf("lease still held: scope %s holder %s fence %d expires %s", h.Scope, h.ID, h.Fence, h.Expires.Format(time.RFC3339Nano))
	}
}

// TestInvalidEventOnTheWire is issue 15's items 5 and "errorType" through
// the real binary under the Runtime Interface Emulator: the runtime
// answers with errorType InvalidEvent (not a Go type name such as
// joinError), the message names every bad field, and the coordination
// table has no row afterwards: no lease was taken.
func TestInvalidEventOnTheWire(t *testing.T) {
	bootstrap, rieBin := binaries(t)
	st := newStack(t, quota{rpm: 60, tpm: 150_000, scale: 20})
	r := startRIE(t, "rie-1", bootstrap, rieBin, st.lambdaEnv())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for event, fields := range map[string][]string{
		`{"client_id":"../../etc","period_days":7,"mode":"both"}`:        {`"client_id"`},
		`{"client_id":42,"period_days":"7","mode":"fetch","bogus":true}`: {`"client_id"`, `"period_days"`, `"mode"`, `"bogus"`},
	} {
		resp := r.invoke(ctx, event)
		var body struct{ ErrorType, ErrorMessage string }
		if err := json.Unmarshal(resp.body, &body); err != nil || body.ErrorType != "InvalidEvent" {
			t.Errorf("%s: answered %s, want errorType InvalidEvent", event, resp.body)
		}
		for _, f := range fields {
			if !strings.Contains(body.ErrorMessage, f) {
				t.Errorf("%s: errorMessage %q does not name %s", event, body.ErrorMessage, f)
			}
		}
	}
	if rows := st.table().Items; len(rows) != 0 {
		t.Errorf("%d rows in the coordination table after invalid events, want 0: %v", len(rows), rows)
	}
}
