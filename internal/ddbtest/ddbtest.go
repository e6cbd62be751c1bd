// Package ddbtest is the harness of the tests that run against DynamoDB:
// one server per test binary (Run: in-process minidyn, or the server
// AWS_ENDPOINT_URL_DYNAMODB names, moto_server in CI) or per test (Start),
// a fresh coordination table per test, a lease held for a test, and the
// scaled clock the lease and
// budget suites run on. It is for tests only.
package ddbtest

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// Run starts the server, points *db at it, runs the tests and exits with
// their status. Call it from TestMain.
//
// Suites that call Run run one at a time per checkout, even when go test
// runs their packages in parallel: they measure throughput and fairness on
// a clock many times faster than the wall clock, which holds only while
// the machine keeps up, and they share one server under moto.
func Run(m *testing.M, db **dynamodb.Client) {
	unlock, err := lockFile(lockPath())
	if err != nil {
		fmt.Fprintln(os.Stderr, "ddbtest:", err)
		os.Exit(2)
	}
	url, stop := localaws.Endpoint("AWS_ENDPOINT_URL_DYNAMODB", localaws.DynamoDBHandler)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	*db = localaws.DynamoDB(cfg, url)
	code := m.Run()
	stop()
	unlock()
	os.Exit(code)
}

// lockPath names the lock of this checkout's suites: a file in the
// temporary directory named after the module root (the first parent of
// the package's directory, where go test runs it, that holds go.mod).
func lockPath() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	sum := fnv.New64a()
	sum.Write([]byte(dir))
	return filepath.Join(os.TempDir(), fmt.Sprintf("ddbtest-%x.lock", sum.Sum64()))
}

// Start starts an in-process DynamoDB for one test, stopped when the test
// ends, and returns a client of it.
func Start(t testing.TB) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(localaws.DynamoDBHandler())
	t.Cleanup(srv.Close)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return localaws.DynamoDB(cfg, srv.URL)
}

var tables atomic.Int64

// Table creates a fresh coordination table, named prefix and a unique
// suffix, for one test.
func Table(t testing.TB, db lease.TableAdmin, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), tables.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := lease.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return name
}

// Acquire takes the lease of scope on table for one test, through a
// manager of its own with the default options; the test fails when it
// cannot. Releasing the lease is the caller's.
func Acquire(t testing.TB, db lease.DynamoDB, table, scope string) *lease.Lease {
	t.Helper()
	m, err := lease.NewManager(db, table)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Acquire(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Clock returns a clock that runs Scale times faster than the wall clock,
// from now: by default a simulated minute in 0.6 s of wall time.
func Clock() clock.Scaled {
	return clock.Scaled{Epoch: time.Now(), Scale: Scale()}
}

// Scale is how much faster than the wall clock the suites run: 100, 20
// under the race detector (it makes the in-process server several times
// slower), or LEASE_TEST_SCALE for slower servers (moto).
func Scale() float64 {
	var s float64 = 100
	if raceEnabled {
		s = 20
	}
	if v := os.Getenv("LEASE_TEST_SCALE"); v != "" {
		fmt.Sscan(v, &s)
	}
	return s
}
