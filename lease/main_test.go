package lease_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
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
