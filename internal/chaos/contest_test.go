package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

// skewedClock is a scaled clock read with a fixed offset: a host whose
// clock is off by Offset.
type skewedClock struct {
	clock.Scaled
	Offset time.Duration
}

func (c skewedClock) Now() time.Time { return c.Scaled.Now().Add(c.Offset) }

// contest describes one run of contenders on one scope.
type contest struct {
	max, contenders, rounds int
	ttl, heartbeat, skew    time.Duration
	offsets                 []time.Duration // clock offset of contender i (cycled); none: 0
	hold                    time.Duration   // longest hold, on the clock
}

// outcome is what a contest saw.
type outcome struct {
	Acquired, Lost, Confused, ReleaseErrors, Starved int64
	DuplicateFences                                  int
	MaxBelievers, MaxLive, MaxEntries                int
	Leftover                                         int
}

// registry holds the leases currently in the hands of contenders.
type registry struct {
	mu     sync.Mutex
	leases map[*lease.Lease]bool
	fences map[int64]string
	dups   int
}

func (r *registry) add(l *lease.Lease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leases[l] = true
	if _, dup := r.fences[l.Fence()]; dup {
		r.dups++
	}
	r.fences[l.Fence()] = l.Holder()
}

func (r *registry) remove(l *lease.Lease) {
	r.mu.Lock()
	delete(r.leases, l)
	r.mu.Unlock()
}

// believers counts the leases whose holders may act on them now.
func (r *registry) believers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for l := range r.leases {
		if l.Valid() {
			n++
		}
	}
	return n
}

// run runs the contest over st and returns what it saw.
func (c contest) run(t *testing.T, st *stack, base clock.Scaled) outcome {
	t.Helper()
	scope := "chaos/" + t.Name()
	reg := &registry{leases: map[*lease.Lease]bool{}, fences: map[int64]string{}}
	var out outcome
	observer, err := lease.NewManager(st.Direct, st.Table, lease.WithMaxHolders(c.max), lease.WithTTL(c.ttl),
		lease.WithHeartbeat(c.heartbeat), lease.WithSkew(c.skew), lease.WithClock(base))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		c.sample(t, observer, scope, base, reg, &out, stop)
	}()
	var wg sync.WaitGroup
	for i := range c.contenders {
		clk := skewedClock{base, c.offset(i)}
		m, err := lease.NewManager(st.Via, st.Table, lease.WithMaxHolders(c.max), lease.WithTTL(c.ttl),
			lease.WithHeartbeat(c.heartbeat), lease.WithSkew(c.skew), lease.WithClock(clk),
			lease.WithPoll(c.heartbeat/10, c.heartbeat))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { c.contend(t, st, m, scope, fmt.Sprintf("c%02d", i), base, reg, &out) })
	}
	wg.Wait()
	close(stop)
	<-sampled
	out.DuplicateFences = reg.dups
	_, hs, err := observer.Holders(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	out.Leftover = len(hs)
	return out
}

func (c contest) offset(i int) time.Duration {
	if len(c.offsets) == 0 {
		return 0
	}
	return c.offsets[i%len(c.offsets)]
}

// sample watches the believers and, through the observer's own client,
// the scope record, until stop.
func (c contest) sample(t *testing.T, observer *lease.Manager, scope string, clk clock.Clock, reg *registry, out *outcome, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Millisecond):
		}
		out.MaxBelievers = max(out.MaxBelievers, reg.believers())
		_, hs, err := observer.Holders(context.Background(), scope)
		if err != nil {
			t.Errorf("observer: %v", err)
			return
		}
		live, now := 0, clk.Now()
		for _, h := range hs {
			if !h.Expires.Before(now) {
				live++
			}
		}
		out.MaxLive, out.MaxEntries = max(out.MaxLive, live), max(out.MaxEntries, len(hs))
	}
}

// contend acquires, holds and releases rounds times.
func (c contest) contend(t *testing.T, st *stack, m *lease.Manager, scope, name string, clk clock.Scaled, reg *registry, out *outcome) {
	for range c.rounds {
		ctx, cancel := context.WithTimeout(context.Background(), clock.Wall(clk, 20*c.ttl))
		l, err := m.Acquire(ctx, scope, lease.As(name))
		if err != nil {
			cancel()
			if ctx.Err() == nil {
				t.Errorf("%s: acquire: %v", name, err)
			}
			atomic.AddInt64(&out.Starved, 1) // no fairness: a waiter can lose every poll
			continue
		}
		atomic.AddInt64(&out.Acquired, 1)
		reg.add(l)
		c.holdAndCheck(t, st, l, clk, out)
		reg.remove(l)
		if err := l.Release(ctx); err != nil && !errors.Is(err, lease.ErrNotHeld) {
			atomic.AddInt64(&out.ReleaseErrors, 1)
		}
		cancel()
	}
}

// holdAndCheck holds l for a random time, then checks that holder and
// table agree: a lease that still believes it is held passes its Guard.
func (c contest) holdAndCheck(t *testing.T, st *stack, l *lease.Lease, clk clock.Scaled, out *outcome) {
	select {
	case <-time.After(clock.Wall(clk, time.Duration(rand.Int64N(int64(c.hold))))):
	case <-l.Done():
	}
	if l.Err() != nil {
		var lost *lease.LostError
		if !errors.As(l.Err(), &lost) {
			t.Errorf("%s: lease ended with %v, want a *LostError", l.Holder(), l.Err())
		}
		atomic.AddInt64(&out.Lost, 1)
		return
	}
	if !l.Valid() {
		return // about to notice its loss: it may not act
	}
	ctx, cancel := context.WithTimeout(context.Background(), clock.Wall(clk, c.ttl/2))
	defer cancel()
	// A write cut by this check's own deadline (a request the proxy holds)
	// says nothing of who holds the scope: only a refusal does.
	if err := guardedPut(ctx, st.Table, l, "x"); err != nil && l.Valid() && !errors.Is(err, context.DeadlineExceeded) {
		atomic.AddInt64(&out.Confused, 1)
		t.Errorf("%s (fence %d) believes it holds the lease but its Guard fails: %v", l.Holder(), l.Fence(), err)
	}
}

// guardedPut writes v under the lease (Transact), in one transaction.
func guardedPut(ctx context.Context, table string, l *lease.Lease, v string) error {
	return l.Transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "out#" + l.Scope()}, "sk": &types.AttributeValueMemberS{Value: "v"},
			"v": &types.AttributeValueMemberS{Value: v}, "fence": &types.AttributeValueMemberN{Value: fmt.Sprint(l.Fence())}}}},
	})
}

// check fails t when an invariant of the contest broke.
func (o outcome) check(t *testing.T, c contest) {
	t.Helper()
	if o.MaxBelievers > c.max || o.MaxLive > c.max || o.MaxEntries > c.max {
		t.Errorf("more than %d holders: %d believed they held the lease at once, observer saw %d live of %d entries",
			c.max, o.MaxBelievers, o.MaxLive, o.MaxEntries)
	}
	if o.DuplicateFences > 0 || o.Confused > 0 {
		t.Errorf("%d fences granted twice, %d holders confused", o.DuplicateFences, o.Confused)
	}
	if o.Acquired+o.Starved != int64(c.contenders*c.rounds) || o.Acquired < int64(c.contenders*c.rounds)*3/4 {
		t.Errorf("%d acquisitions (%d waits timed out), want %d", o.Acquired, o.Starved, c.contenders*c.rounds)
	}
	if int64(o.Leftover) > o.ReleaseErrors+o.Lost {
		t.Errorf("%d holders left in the table, but only %d releases failed and %d leases were lost", o.Leftover, o.ReleaseErrors, o.Lost)
	}
}
