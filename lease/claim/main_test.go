package claim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/testenv"
	"github.com/vectora/ingest-normalize/lease"
)

// The suite runs against the test process's DynamoDB server: in-process
// minidyn, or the server AWS_ENDPOINT_URL_DYNAMODB names (moto in CI).
var db, _ = testenv.Servers()

// newTable creates a fresh coordination table for one test.
func newTable(t testing.TB) string { return testenv.NewTable(t, db) }

// stepClock is a clock that moves only when told to. Its After never
// fires: no heartbeat runs, and a lease lives exactly its TTL unless a
// claim renews it.
type stepClock struct {
	mu         sync.Mutex
	start, now time.Time
}

func newStepClock() *stepClock {
	t0 := time.Date(2025, 12, 21, 8, 0, 0, 0, time.UTC)
	return &stepClock{start: t0, now: t0}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(time.Duration) <-chan time.Time { return nil }

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// at sets the clock to d after its start.
func (c *stepClock) at(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.start.Add(d)
}

// acquire takes a lease on scope ingest-normalize/dev from m and releases
// it when the test ends.
func acquire(t *testing.T, m *lease.Manager, name string) *lease.Lease {
	t.Helper()
	l, err := m.Acquire(context.Background(), "ingest-normalize/dev", lease.As(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Release(context.Background()) })
	return l
}

func manager(t *testing.T, c lease.DynamoDB, table string, clk *stepClock, opts ...lease.Option) *lease.Manager {
	t.Helper()
	m, err := lease.NewManager(c, table, append([]lease.Option{lease.WithMaxHolders(0), lease.WithClock(clk)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
