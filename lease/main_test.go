package lease_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/lease"
)

// db is the suite's DynamoDB: in-process minidyn, or the server named by
// AWS_ENDPOINT_URL_DYNAMODB (moto_server in CI).
var db *dynamodb.Client

func TestMain(m *testing.M) { ddbtest.Run(m, &db) }

// newTable creates a fresh coordination table for one test.
func newTable(t testing.TB) string { return ddbtest.Table(t, db, "coord") }

// fastClock runs a simulated minute in 0.6 s of wall time (by default).
func fastClock() clock.Scaled { return ddbtest.Clock() }

// scale is how much faster than the wall clock the suite runs: 100, 20
// under the race detector, or LEASE_TEST_SCALE (moto).
func scale() float64 { return ddbtest.Scale() }

// newManager returns a manager of table on the suite's DynamoDB: TTL 30 s,
// skew 2 s, polls from 50 ms to 2 s, then opts.
func newManager(t testing.TB, table string, clk clock.Clock, opts ...lease.Option) *lease.Manager {
	t.Helper()
	return newManagerOn(t, db, table, clk, opts...)
}

// newManagerOn is newManager over another client.
func newManagerOn(t testing.TB, c lease.DynamoDB, table string, clk clock.Clock, opts ...lease.Option) *lease.Manager {
	t.Helper()
	opts = append([]lease.Option{lease.WithClock(clk), lease.WithTTL(30 * time.Second),
		lease.WithSkew(2 * time.Second), lease.WithPoll(50*time.Millisecond, 2*time.Second)}, opts...)
	m, err := lease.NewManager(c, table, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
