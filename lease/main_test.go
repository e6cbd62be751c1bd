package lease_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
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

// getItem reads item (pk, sk) of table straight from the suite's DynamoDB,
// strongly consistent, as any other reader of the table would.
func getItem(table, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		ConsistentRead: aws.Bool(true), Key: ddbattr.Key(pk, sk)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// guardedPut writes a value under l (Transact): only while l is current.
func guardedPut(ctx context.Context, table string, l *lease.Lease, v string) error {
	return l.Transact(ctx, []types.TransactWriteItem{putItem(table, v)})
}

// putItem is the write of value v, as a transaction item.
func putItem(table, v string) types.TransactWriteItem {
	item := ddbattr.Key("out", "1")
	item["v"] = ddbattr.S(v)
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item}}
}

// readValue is the value putItem wrote last, "" when there is none.
func readValue(t *testing.T, table string) string {
	item, err := getItem(table, "out", "1")
	if err != nil {
		t.Fatal(err)
	}
	return ddbattr.GetS(item, "v")
}
