package budget_test

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease/budget"
)

func TestThrottledLowersTheRateForAllAndRecovers(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	a := newBudget(t, table, "prod", clk, budget.WithFeedback(0.5, 0.01, 2*time.Second))
	b := newBudget(t, table, "prod", clk, budget.WithFeedback(0.5, 0.01, 2*time.Second))
	full := float64(demand(ctx, t, b, clk, 20*time.Second)) / 20 * 60 // drains the burst
	r, err := a.Reserve(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	r.Cancel()
	a.Throttled(ctx, budget.Tokens)
	b.Throttled(ctx, budget.Tokens) // within the cooldown: no second cut
	if f := a.Factor(budget.Tokens); math.Abs(f-0.5) > 0.02 {
		t.Fatalf("factor after a throttle = %.3f, want 0.5", f)
	}
	if f := b.Factor(budget.Tokens); math.Abs(f-0.5) > 0.02 {
		t.Fatalf("the peer sees factor %.3f, want 0.5 (shared, cut once)", f)
	}
	if f := a.Factor(budget.Requests); f != 1 {
		t.Fatalf("request factor = %.3f, want 1 (only tokens throttled)", f)
	}
	// Under the lowered rate (0.5 recovering by 0.01/s), 20 s admit about
	// 60 % of the quota's rate.
	used := demand(ctx, t, b, clk, 20*time.Second)
	rate := float64(used) / 20 * 60
	if rate > 600_000*0.75 {
		t.Errorf("admitted %.0f tokens/min right after a throttle, want well under the 600000 quota", rate)
	}
	t.Logf("rate before the throttle %.0f/min (burst included), after %.0f/min", full, rate)
	<-clk.After(30 * time.Second)
	if f := b.Factor(budget.Tokens); f < 0.999 {
		t.Errorf("factor %.3f 30 s after the throttle, want recovered to 1", f)
	}
}

// demand keeps one contender reserving (fully used) for d and returns the
// tokens it got.
func demand(ctx context.Context, t *testing.T, b *budget.Budget, clk clock.Clock, d time.Duration) int64 {
	end := clk.Now().Add(d)
	var used atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Go(func() { contend(ctx, t, b, clk, end, 2000, func(time.Time) { used.Add(2000) }) })
	}
	wg.Wait()
	return used.Load()
}

// contend reserves size tokens in a loop, each used in full, until the
// clock passes end, and tells got when each reservation was admitted.
func contend(ctx context.Context, t *testing.T, b *budget.Budget, clk clock.Clock, end time.Time, size int64, got func(time.Time)) {
	for clk.Now().Before(end) {
		r, err := b.Reserve(ctx, size)
		if err != nil {
			t.Error(err)
			return
		}
		got(clk.Now())
		r.Settle(size)
	}
}

func TestEnvironmentsShareOneQuotaByCapAndPriority(t *testing.T) {
	const tpm = 600_000
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	prod := newBudget(t, table, "prod", clk, budget.WithEnvLimit(budget.EnvLimit{Cap: 1, Priority: 3}))
	dev := newBudget(t, table, "dev", clk, budget.WithEnvLimit(budget.EnvLimit{Cap: 0.5, Priority: 1}))
	const span = 60 * time.Second
	end := clk.Now().Add(span)
	var wg sync.WaitGroup
	var prodUsed, devUsed int64
	wg.Go(func() { prodUsed = paced(ctx, t, prod, clk, end, 0.6*tpm/60) })
	wg.Go(func() { devUsed = demand(ctx, t, dev, clk, span) })
	wg.Wait()
	prodWant := int64(0.6 * tpm)
	if prodUsed < prodWant*95/100 {
		t.Errorf("prod (priority 3) got %d of the %d it asked for while dev was greedy", prodUsed, prodWant)
	}
	if limit := int64(0.5 * tpm * (60 + 10 + 5 + 1) / 60); devUsed > limit {
		t.Errorf("dev (cap 50%%) got %d, above its cap %d", devUsed, limit)
	}
	if total, limit := prodUsed+devUsed, int64(tpm*(60+10+2.5)/60); total > limit {
		t.Errorf("both got %d, above the quota %d", total, limit)
	}
	t.Logf("prod %d (asked %d), dev %d, total %.1f%% of TPM", prodUsed, prodWant, devUsed, 100*float64(prodUsed+devUsed)/tpm)

	// Alone, dev stays under its cap.
	end = clk.Now().Add(span)
	alone := demand(ctx, t, dev, clk, span)
	if limit := int64(0.5 * tpm * (60 + 10 + 5 + 1) / 60); alone > limit {
		t.Errorf("dev alone got %d, above its cap %d", alone, limit)
	}
}

// paced reserves perSecond tokens each second until end and returns what
// it got.
func paced(ctx context.Context, t *testing.T, b *budget.Budget, clk clock.Clock, end time.Time, perSecond float64) int64 {
	var got int64
	for next := clk.Now(); next.Before(end); next = next.Add(time.Second) {
		if d := next.Sub(clk.Now()); d > 0 {
			<-clk.After(d)
		}
		for n := int64(perSecond); n > 0; n -= 2000 {
			r, err := b.Reserve(ctx, min(n, 2000))
			if err != nil {
				t.Error(err)
				return got
			}
			r.Settle(min(n, 2000))
			got += min(n, 2000)
		}
	}
	return got
}
