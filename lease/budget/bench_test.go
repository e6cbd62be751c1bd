package budget_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// BenchmarkBudget measures admissions against the in-process server with a
// quota too large to bind: the cost of coordination itself. Each contender
// is a process with 4 workers sharing one Budget, as an invocation's
// workers do. Pooling off (batch=1: every reservation is a write) is the
// baseline measured in the same run.
func BenchmarkBudget(b *testing.B) {
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("contenders=%d", n), func(b *testing.B) {
			base := admissions(b, n, 1)
			pooled := admissions(b, n, 4)
			b.ReportMetric(pooled.perSecond, "admissions/s")
			b.ReportMetric(pooled.requests, "ddb-requests/admission")
			b.ReportMetric(pooled.conflicts, "conflicts/admission")
			b.ReportMetric(base.requests, "ddb-requests/admission(batch=1)")
			b.ReportMetric(pooled.perSecond/base.perSecond, "speedup-vs-batch=1")
		})
	}
}

type budgetRun struct{ perSecond, requests, conflicts float64 }

func admissions(b *testing.B, contenders, batch int) budgetRun {
	table := newTable(b)
	ctx := context.Background()
	const each = 200
	budgets := make([]*budget.Budget, contenders)
	for i := range budgets {
		budgets[i] = newBudget(b, table, "prod", clock.System,
			budget.WithLimits(budget.Limits{RPM: 1e9, TPM: 1e12, Burst: 10_000}), budget.WithBatch(batch))
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, bud := range budgets {
		for range 4 {
			wg.Go(func() {
				for range each / 4 {
					r, err := bud.Reserve(ctx, 1000)
					if err != nil {
						b.Error(err)
						return
					}
					r.Settle(400)
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	var st budget.Stats
	for _, bud := range budgets {
		s := bud.Stats()
		st.Writes, st.Reads, st.Conflicts = st.Writes+s.Writes, st.Reads+s.Reads, st.Conflicts+s.Conflicts
	}
	total := float64(contenders * each)
	return budgetRun{total / elapsed.Seconds(), float64(st.Writes+st.Reads) / total, float64(st.Conflicts) / total}
}
