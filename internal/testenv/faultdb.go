package testenv

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// FaultDB is one test's own DynamoDB behind a fault proxy: in-process
// minidyn, the proxy in front of it, a client through the proxy and one
// straight to minidyn (the observer's), and a coordination table.
type FaultDB struct {
	Proxy  *faultproxy.Proxy
	Via    *dynamodb.Client // through the proxy
	Direct *dynamodb.Client // straight to minidyn, with the SDK's defaults
	Table  string
}

// ProxyFunc builds the fault proxy in front of the upstream server up.
type ProxyFunc func(up *httptest.Server) (*faultproxy.Proxy, error)

// NewFaultDB starts minidyn, the proxy mk builds in front of it, and
// creates table on it. tune, when not nil, adjusts the config of the
// client through the proxy (its retries). The servers stop with the test.
func NewFaultDB(t testing.TB, mk ProxyFunc, table string, tune func(*aws.Config)) *FaultDB {
	t.Helper()
	up := httptest.NewServer(localaws.DynamoDBHandler())
	t.Cleanup(up.Close)
	p, err := mk(up)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	direct := localaws.DynamoDB(cfg, up.URL)
	if tune != nil {
		tune(&cfg)
	}
	if err := lease.CreateTable(context.Background(), direct, table); err != nil {
		t.Fatal(err)
	}
	return &FaultDB{Proxy: p, Via: localaws.DynamoDB(cfg, front.URL), Direct: direct, Table: table}
}
