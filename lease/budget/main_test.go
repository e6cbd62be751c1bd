package budget_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
)

// db is the suite's DynamoDB: in-process minidyn, or the server named by
// AWS_ENDPOINT_URL_DYNAMODB (moto_server in CI).
var db *dynamodb.Client

func TestMain(m *testing.M) { ddbtest.Run(m, &db) }

// newTable creates a fresh coordination table for one test.
func newTable(t testing.TB) string { return ddbtest.Table(t, db, "budget") }

// fastClock runs a simulated minute in 3 s of wall time (or slower, with
// LEASE_TEST_SCALE). The budget's tests measure utilization and shares
// over simulated minutes, which hold only while the server admits the
// writes of 16 contenders in time: at most 20 times the wall clock keeps
// that within reach of a shared, loaded machine.
func fastClock() clock.Scaled {
	return clock.Scaled{Epoch: time.Now(), Scale: min(ddbtest.Scale(), 20)}
}
