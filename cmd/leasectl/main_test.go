package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

// t0 is the instant every test judges the table at (--now).
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const (
	table = "coord"
	quota = "eu-west-3/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
)

// fixedClock stands still. Leases get a clock whose After never fires (no
// heartbeat), budgets one whose After fires at once and records the wait.
type fixedClock struct {
	now   time.Time
	fire  bool
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fixedClock) Now() time.Time { return c.now }

func (c *fixedClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if c.fire {
		c.mu.Lock()
		c.waits = append(c.waits, d)
		c.mu.Unlock()
		ch <- c.now
	}
	return ch
}

func (c *fixedClock) waited() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// fixture is an in-process DynamoDB with a coordination table.
type fixture struct {
	t     *testing.T
	db    *dynamodb.Client
	names map[string]string // random holder id → stable placeholder
}

func newFixture(t *testing.T) *fixture {
	srv := httptest.NewServer(localaws.DynamoDBHandler())
	t.Cleanup(srv.Close)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: localaws.DynamoDB(cfg, srv.URL), names: map[string]string{}}
	if err := lease.CreateTable(context.Background(), f.db, table); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs leasectl with args and returns stdout, stderr and the exit code.
func (f *fixture) run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	env := map[string]string{"COORDINATION_TABLE": table}
	open := func(context.Context, func(string) string) (DB, error) { return f.db, nil }
	code := run(context.Background(), args, func(k string) string { return env[k] }, open, &out, &errb)
	s := out.String()
	for id, name := range f.names {
		s = strings.ReplaceAll(s, id, name)
	}
	return s, errb.String(), code
}

// acquire takes a lease on scope at instant at, named name-<8 hex>; the
// random suffix is replaced by a placeholder of the same length in outputs.
func (f *fixture) acquire(scope, name string, at time.Time) *lease.Lease {
	m, err := lease.NewManager(f.db, table, lease.WithMaxHolders(0), lease.WithClock(&fixedClock{now: at}))
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := m.Acquire(context.Background(), scope, lease.As(name))
	if err != nil {
		f.t.Fatal(err)
	}
	f.names[l.Holder()] = fmt.Sprintf("%s-%08d", name, len(f.names)+1)
	return l
}

func (f *fixture) budget(env string, c *fixedClock, opts ...budget.Option) *budget.Budget {
	opts = append([]budget.Option{budget.WithClock(c), budget.WithBatch(1)}, opts...)
	b, err := budget.New(f.db, table, quota, env, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// seed builds the state of the golden tests through the lease API: two
// live holders and an expired one, a released scope, a budget used by two
// environments (one capped) with a throttle, and a run's batches.
func (f *fixture) seed() {
	ctx := context.Background()
	f.acquire("ingest-normalize/dev", "inv-a", t0.Add(-5*time.Second))
	f.acquire("ingest-normalize/dev", "inv-b", t0)
	f.acquire("ingest-normalize/stage", "inv-c", t0.Add(-45*time.Second))
	if err := f.acquire("ingest-normalize/prod", "inv-d", t0.Add(-time.Minute)).Release(ctx); err != nil {
		f.t.Fatal(err)
	}
	limits := budget.WithLimits(budget.Limits{RPM: 50, TPM: 100_000, Burst: 10_000})
	dev := f.budget("dev", &fixedClock{now: t0.Add(-time.Second), fire: true}, limits,
		budget.WithEnvLimit(budget.EnvLimit{Cap: 1, Priority: 2}))
	r, err := dev.Reserve(ctx, 3000)
	if err != nil {
		f.t.Fatal(err)
	}
	r.Settle(1000)
	if err := dev.Flush(ctx); err != nil {
		f.t.Fatal(err)
	}
	if _, err := dev.Reserve(ctx, 4000); err != nil {
		f.t.Fatal(err)
	}
	dev.Throttled(ctx, budget.Tokens)
	stage := f.budget("stage", &fixedClock{now: t0, fire: true}, limits,
		budget.WithEnvLimit(budget.EnvLimit{Cap: 0.25, Priority: 1}))
	if _, err := stage.Reserve(ctx, 2000); err != nil {
		f.t.Fatal(err)
	}
	f.batches()
}

// batches writes a run's batch items in package claim's layout, as the pipeline
// does (see lease/claim): two done, one claimed, one free.
func (f *fixture) batches() {
	pk := "run#dev#demo-2026-11-23-2026-11-27"
	ms := t0.Add(-30 * time.Second).UnixMilli()
	for i, b := range []struct{ state, holder, ok, fb, fl string }{
		{"done", "inv-a", "4", "0", "0"}, {"done", "inv-b", "3", "1", "0"},
		{"claimed", "inv-b", "0", "0", "0"}, {"free", "inv-a", "2", "0", "1"},
	} {
		item := map[string]types.AttributeValue{
			"pk": s(pk), "sk": s(fmt.Sprintf("batch#%05d", i)), "state": s(b.state), "holder": s(b.holder),
			"fence": n(int64(i + 1)), "n_items": n(4), "claimed_at": n(ms), "ok": nn(b.ok), "fallback": nn(b.fb), "failed": nn(b.fl),
		}
		if b.state != "claimed" {
			item[b.state+"_at"] = n(ms + 20_000)
		}
		if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func s(v string) types.AttributeValue  { return &types.AttributeValueMemberS{Value: v} }
func nn(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func n(v int64) types.AttributeValue   { return nn(fmt.Sprint(v)) }

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (rerun with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	f := newFixture(t)
	f.seed()
	now := "--now=" + t0.Format(time.RFC3339)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"leases", []string{"leases"}},
		{"leases_json", []string{"--json", "leases"}},
		{"leases_scope", []string{"leases", "--scope", "ingest-normalize/dev"}},
		{"budget", []string{"budget"}},
		{"budget_json", []string{"budget", "--json", "--quota", quota}},
		{"claims", []string{"claims"}},
		{"claims_json", []string{"claims", "--json", "--run", "demo-2026-11-23-2026-11-27"}},
		{"watch", []string{"watch", "--count", "1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := f.run(append([]string{now}, c.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, c.name, out)
		})
	}
}
