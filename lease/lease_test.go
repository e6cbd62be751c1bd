package lease_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

func TestAcquireTryRelease(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, newTable(t), fastClock())
	a, err := m.Acquire(ctx, "ingest-normalize/dev", lease.As("req-a"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.TryAcquire(ctx, "ingest-normalize/dev", lease.As("req-b"))
	var held *lease.HeldError
	if !errors.As(err, &held) || len(held.Holders) != 1 || held.Holders[0].ID != a.Holder() {
		t.Fatalf("TryAcquire on a full scope: got %v, want *HeldError naming %s", err, a.Holder())
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("second Release = %v, want nil (idempotent)", err)
	}
	if !errors.Is(context.Cause(a.Context()), lease.ErrReleased) {
		t.Fatalf("released lease's context cause = %v", context.Cause(a.Context()))
	}
	b, err := m.TryAcquire(ctx, "ingest-normalize/dev", lease.As("req-b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(ctx)
	if b.Fence() <= a.Fence() {
		t.Fatalf("fence %d after %d: must strictly increase", b.Fence(), a.Fence())
	}
}

func TestContendersRespectMaxHolders(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(map[int]string{1: "N=1", 3: "N=3"}[n], func(t *testing.T) { contend(t, n, 16, rounds()) })
	}
}

func rounds() int {
	if testing.Short() {
		return 30
	}
	return 200
}

// contend runs workers × rounds acquire/work/release cycles while an
// independent observer reads the scope record, and checks that nobody ever
// sees more than max live holders and that fences strictly increase.
func contend(t *testing.T, max, workers, rounds int) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	m := newManager(t, table, clk, lease.WithMaxHolders(max))
	var inside, peak atomic.Int64
	var mu sync.Mutex
	fences := map[int64]bool{}
	stop := make(chan struct{})
	observed := observe(t, table, "scope", clk, stop)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			last := int64(0)
			for r := 0; r < rounds; r++ {
				l, err := m.Acquire(ctx, "scope")
				if err != nil {
					t.Error(err)
					return
				}
				if n := inside.Add(1); n > peak.Load() {
					peak.Store(n)
				}
				mu.Lock()
				dup := fences[l.Fence()]
				fences[l.Fence()] = true
				mu.Unlock()
				if dup || l.Fence() <= last {
					t.Errorf("fence %d reused or not increasing (last %d)", l.Fence(), last)
				}
				last = l.Fence()
				<-clk.After(100 * time.Millisecond) // work while holding
				inside.Add(-1)
				if err := l.Release(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	maxSeen := <-observed
	switch p := peak.Load(); {
	case p > int64(max):
		t.Errorf("in-process peak %d holders, max %d", p, max)
	case p < int64(max) && os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "":
		// The fast in-process server reliably overlaps holders; a slow
		// external one (moto) may not, and that says nothing of safety.
		t.Errorf("in-process peak %d holders: the test never reached max %d, so it shows nothing", p, max)
	}
	if maxSeen > max {
		t.Errorf("observer saw %d live holders, max %d", maxSeen, max)
	}
	if len(fences) != workers*rounds {
		t.Errorf("%d distinct fences for %d acquisitions", len(fences), workers*rounds)
	}
	if live := liveHolders(t, table, "scope", clk.Now()); live != 0 {
		t.Errorf("%d slots still held at the end", live)
	}
	t.Logf("max=%d: %d acquisitions, observer max %d, peak %d", max, len(fences), maxSeen, peak.Load())
}

// observe polls the scope record until stop and reports the most live
// holders it ever saw in one read.
func observe(t *testing.T, table, scope string, clk clock.Clock, stop chan struct{}) <-chan int {
	out := make(chan int, 1)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				out <- most
				return
			default:
			}
			most = max(most, liveHolders(t, table, scope, clk.Now()))
		}
	}()
	return out
}

func liveHolders(t *testing.T, table, scope string, now time.Time) int {
	item, err := getItem(table, "scope#"+scope, "lease")
	if err != nil {
		t.Error(err)
		return 0
	}
	hs, _ := item["holders"].(*types.AttributeValueMemberM)
	if hs == nil {
		return 0
	}
	n := 0
	for id, h := range hs.Value {
		if id == "-" {
			continue
		}
		e := h.(*types.AttributeValueMemberM).Value["expires"].(*types.AttributeValueMemberN).Value
		var us int64
		for _, c := range e {
			us = us*10 + int64(c-'0')
		}
		if time.UnixMicro(us).After(now) {
			n++
		}
	}
	return n
}

func TestHoldersShowsWhatAnObserverSees(t *testing.T) {
	ctx := context.Background()
	clk := fastClock()
	m := newManager(t, newTable(t), clk, lease.WithMaxHolders(2))
	a, err := m.Acquire(ctx, "s", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	fence, hs, err := m.Holders(ctx, "s")
	if err != nil || fence != a.Fence() || len(hs) != 1 || hs[0].ID != a.Holder() || !m.Live(hs[0], clk.Now()) {
		t.Fatalf("Holders = %d, %+v, %v; want fence %d and %s live", fence, hs, err, a.Fence(), a.Holder())
	}
}
