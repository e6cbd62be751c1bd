package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/linearize"
	"github.com/vectora/ingest-normalize/lease"
)

// realFaults are what real DynamoDB and networks do to the contests of
// TestLeaseHistoriesAreLinearizable, with holds of 4 s on the lease clock.
func realFaults(clk clock.Clock) faultproxy.Rates {
	return faultproxy.Rates{Conflict: 0.2, ItemConflict: 0.05, Throttle: 0.02, Hold: 0.03,
		HoldFor: clock.Wall(clk, 4*time.Second), AppliedFailed: 0.03, AppliedDropped: 0.01}
}

// TestLeaseHistoriesAreLinearizable records every lease operation of
// contests through the fault proxy (transactions cancelled by conflicts,
// single-item conflicts, conflicts between writes that overlap, throttling, requests held 4 s and applied late,
// writes applied then answered 500 or dropped, ClientRequestToken as
// DynamoDB honours it) and checks each history with porcupine against the
// model of the scope. Unknown outcomes have an infinite return.
func TestLeaseHistoriesAreLinearizable(t *testing.T) {
	t.Parallel()
	histories := pick(2, 8)
	var ops, unknown, violations, undecided, mutants int
	var faults []faultproxy.Stats
	var checking time.Duration
	for i := range histories {
		clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
		st := newStack(t, realFaults(clk), 20*time.Millisecond, faultproxy.WithOverlapConflicts())
		spec := linearize.Spec{MaxHolders: 1 + i%2}
		hist := linearize.NewHistory(clk)
		historyContest{max: spec.MaxHolders, contenders: pick(4, 8), rounds: pick(3, 8)}.run(t, st, clk, hist)
		start := time.Now()
		res := linearize.Check(spec, hist.Operations(), 2*time.Minute)
		checking += time.Since(start)
		hs := hist.Stats()
		ops, unknown = ops+hs.Operations, unknown+hs.Unknown
		if hs.Unread > 0 {
			t.Errorf("history %d: %d scope writes the recorder could not read", i, hs.Unread)
		}
		switch res.Verdict {
		case porcupine.Illegal:
			violations++
			path := filepath.Join(t.TempDir(), fmt.Sprintf("history-%d.html", i))
			_ = res.Visualize(path)
			t.Errorf("history %d (%d operations, %d holders): not linearizable; see %s", i, hs.Operations, spec.MaxHolders, path)
		case porcupine.Unknown:
			undecided++
		}
		if writeAfterRelease(t, spec, hist.Operations()) {
			mutants++
		}
		faults = append(faults, st.Proxy.Stats())
	}
	sum := func(f func(faultproxy.Stats) int64) (n int64) {
		for _, s := range faults {
			n += f(s)
		}
		return n
	}
	conflicts := sum(func(s faultproxy.Stats) int64 { return s.Conflicts + s.ItemConflicts })
	stalls := sum(func(s faultproxy.Stats) int64 { return s.Held })
	ambiguous := sum(func(s faultproxy.Stats) int64 { return s.AppliedFailed + s.AppliedDropped + s.HeldAbandoned })
	if conflicts == 0 || (long() && (stalls == 0 || ambiguous == 0)) { // a short run may meet no 3 % fault
		t.Errorf("faults not met: %+v", faults)
	}
	Report(t, map[string]any{"histories_checked": histories, "violations": violations, "undecided": undecided,
		"operations": ops, "unknown_outcomes": unknown, "mutants_caught": mutants, "conflicts_injected": conflicts, "stalls_injected": stalls,
		"ambiguous_injected": ambiguous, "throttled": sum(func(s faultproxy.Stats) int64 { return s.Throttled }),
		"token_replays": sum(func(s faultproxy.Stats) int64 { return s.TokenReplays }),
		"overlaps":      sum(func(s faultproxy.Stats) int64 { return s.Overlaps }), "check_ms": checking.Milliseconds()})
}

// writeAfterRelease adds to ops a guarded write that succeeds just after
// its holder's release did, and reports whether the check, on this real
// history, says Illegal (it must: the check is known to fail on it).
func writeAfterRelease(t *testing.T, spec linearize.Spec, ops []porcupine.Operation) bool {
	t.Helper()
	for _, op := range ops {
		in := op.Input.(linearize.Input)
		if in.Kind != linearize.Release || op.Output != linearize.OK {
			continue
		}
		ghost := linearize.Input{Kind: linearize.Write, Scope: in.Scope, Holder: in.Holder, Fence: in.Fence,
			Call: op.Return + 1, Return: op.Return + 2}
		ops = append(ops, porcupine.Operation{ClientId: op.ClientId, Input: ghost, Output: linearize.OK, Call: ghost.Call, Return: ghost.Return})
		if v := linearize.Check(spec, ops, time.Minute).Verdict; v != porcupine.Illegal {
			t.Errorf("a write after its holder's release was judged %v, want Illegal", v)
			return false
		}
		return true
	}
	t.Error("no release succeeded: nothing to mutate")
	return false
}

// historyContest is contenders taking turns on one scope, each round an
// acquisition, writes under the lease while holding it, and a release.
type historyContest struct{ max, contenders, rounds int }

var (
	historyTTL       = 9 * time.Second
	historyHeartbeat = 3 * time.Second
	historySkew      = 3 * time.Second
)

func (c historyContest) run(t *testing.T, st *stack, clk clock.Scaled, hist *linearize.History) {
	t.Helper()
	scope := fmt.Sprintf("history/%s/%d", t.Name(), tableID.Add(1))
	var wg sync.WaitGroup
	for i := range c.contenders {
		m, err := lease.NewManager(hist.Client(i, st.Via), st.Table, lease.WithMaxHolders(c.max),
			lease.WithTTL(historyTTL), lease.WithHeartbeat(historyHeartbeat), lease.WithSkew(historySkew),
			lease.WithClock(clk), lease.WithPoll(historyHeartbeat/10, historyHeartbeat))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { c.contend(t, st, m, scope, fmt.Sprintf("c%02d", i), clk) })
	}
	wg.Wait()
}

func (c historyContest) contend(t *testing.T, st *stack, m *lease.Manager, scope, name string, clk clock.Scaled) {
	for range c.rounds {
		ctx, cancel := context.WithTimeout(context.Background(), clock.Wall(clk, 20*historyTTL))
		l, err := m.Acquire(ctx, scope, lease.As(name))
		if err != nil {
			cancel()
			continue // waited too long: no fairness
		}
		for k := range rand.IntN(4) + 1 {
			select {
			case <-clk.After(time.Duration(rand.Int64N(int64(2 * time.Second)))):
			case <-l.Done():
			}
			if !l.Valid() {
				break
			}
			wctx, wcancel := context.WithTimeout(ctx, clock.Wall(clk, historyTTL/2))
			if err := guardedPut(wctx, st.Table, l, fmt.Sprint(k)); err != nil && !errors.Is(err, lease.ErrNotHeld) &&
				!errors.Is(err, lease.ErrUnknown) && wctx.Err() == nil {
				t.Logf("%s: write under the lease: %v", name, err)
			}
			wcancel()
		}
		_ = l.Release(ctx)
		cancel()
	}
}
