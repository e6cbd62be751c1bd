package lease_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

// BenchmarkAcquire measures acquire latency (acquire + release cycles on a
// one-holder scope) against a plain strongly consistent GetItem of the
// same record, the floor any lease needs.
func BenchmarkAcquire(b *testing.B) {
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("contenders=%d", n), func(b *testing.B) {
			table := newTable(b)
			m := newManager(b, table, clock.System, lease.WithMaxHolders(1), lease.WithPoll(time.Millisecond, 20*time.Millisecond))
			floor := getLatency(b, table)
			lat := acquireLatencies(b, m, n, 400/n+5)
			p50, p99 := pct(lat, 50), pct(lat, 99)
			b.ReportMetric(float64(p50.Microseconds()), "acquire-p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "acquire-p99-µs")
			b.ReportMetric(float64(p50)/float64(floor), "p50/GetItem")
			b.ReportMetric(float64(p99)/float64(floor), "p99/GetItem")
		})
	}
}

func acquireLatencies(b *testing.B, m *lease.Manager, contenders, rounds int) []time.Duration {
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range contenders {
		wg.Go(func() {
			for range rounds {
				t0 := time.Now()
				l, err := m.Acquire(ctx, "bench")
				if err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				l.Release(ctx)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat
}

func getLatency(b *testing.B, table string) time.Duration {
	var lat []time.Duration
	for range 200 {
		t0 := time.Now()
		_, err := getItem(table, "scope#bench", "lease")
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	return pct(lat, 50)
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, len(d)*p/100)]
}
