package chaos

import (
	"context"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/lease/budget"
)

type grant struct {
	at     time.Time
	tokens int64 // reserved (positive) or refunded (negative)
}

// TestBudgetUnderDynamoDBFaults: contenders share one quota through the
// faulty proxy for a simulated minute and more; no 60 s window admits more
// than the documented bound (lease/budget/doc.go: TPM + 1.6 × the burst of
// quota). A reservation that fails with a fault is retried, as callers do.
func TestBudgetUnderDynamoDBFaults(t *testing.T) {
	t.Parallel()
	const tpm, rpm, burstMS = 600_000, 6000, 10_000
	clk := clock.Scaled{Epoch: time.Now(), Scale: scale()}
	st := newStack(t, faultproxy.Uniform(0.05), 20*time.Millisecond)
	end := clk.Now().Add(time.Duration(pick(70, 240)) * time.Second)
	var (
		mu      sync.Mutex
		grants  []grant
		errs    int
		wg      sync.WaitGroup
		budgets []*budget.Budget
	)
	for range pick(8, 16) {
		b, err := budget.New(st.Via, st.Table, "eu-west-3/chaos", "prod", budget.WithClock(clk),
			budget.WithLimits(budget.Limits{RPM: rpm, TPM: tpm, Burst: burstMS}))
		if err != nil {
			t.Fatal(err)
		}
		budgets = append(budgets, b)
		wg.Go(func() {
			for clk.Now().Before(end) {
				n := 500 + rand.Int64N(2500)
				r, err := b.Reserve(context.Background(), n)
				if err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					continue
				}
				mu.Lock()
				grants = append(grants, grant{clk.Now(), n})
				mu.Unlock()
				<-clk.After(time.Second)
				used := n * int64(20+rand.IntN(81)) / 100
				r.Settle(used)
				mu.Lock()
				grants = append(grants, grant{clk.Now(), -(n - used)})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, b := range budgets {
		_ = b.Flush(context.Background())
	}
	bound := int64(tpm + 1.6*burstMS/60_000.0*tpm)
	most := maxWindow(grants, 60*time.Second)
	if most > bound {
		t.Errorf("%d tokens admitted in one 60 s window, bound %d (TPM + 1.6 × burst)", most, bound)
	}
	if most < tpm/2 {
		t.Errorf("only %d tokens in the busiest window: the budget starved under faults", most)
	}
	Report(t, map[string]any{"tpm": tpm, "budget_max_window": most, "budget_bound": bound,
		"reserve_errors": errs, "faults": st.Proxy.Stats()})
}

// maxWindow returns the most net tokens in any window of length w
// starting at an event.
func maxWindow(all []grant, w time.Duration) int64 {
	sort.Slice(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	var most int64
	for i := range all {
		var sum int64
		for j := i; j < len(all) && all[j].at.Before(all[i].at.Add(w)); j++ {
			sum += all[j].tokens
		}
		most = max(most, sum)
	}
	return most
}
