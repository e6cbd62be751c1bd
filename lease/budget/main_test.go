package budget_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
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
	name := fmt.Sprintf("budget-%d-%d", time.Now().UnixNano(), tables.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := lease.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return name
}

// fastClock runs a simulated minute in 0.6 s of wall time (by default).
func fastClock() clock.Scaled {
	return clock.Scaled{Epoch: time.Now(), Scale: scale()}
}

// scale is how much faster than the wall clock tests run: slower servers
// (moto) get a smaller factor, set with LEASE_TEST_SCALE, and so does the
// race detector.
func scale() float64 {
	var s float64 = 100
	if raceEnabled {
		s = 20
	}
	if v := os.Getenv("LEASE_TEST_SCALE"); v != "" {
		fmt.Sscan(v, &s)
	}
	return s
}
