package claim_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// The suite runs against an in-process minidyn server, or against the
// server named by AWS_ENDPOINT_URL_DYNAMODB (moto_server in CI).
var (
	db     *dynamodb.Client
	tables atomic.Int64
)

func TestMain(m *testing.M) {
	url, stop := localaws.Endpoint("AWS_ENDPOINT_URL_DYNAMODB", localaws.DynamoDBHandler)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	db = localaws.DynamoDB(cfg, url)
	code := m.Run()
	stop()
	os.Exit(code)
}

// newTable creates a fresh coordination table for one test.
func newTable(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("claims-%d-%d", time.Now().UnixNano(), tables.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := lease.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return name
}

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
