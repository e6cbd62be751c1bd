package faultproxy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/internal/testenv"
)

// newProxy builds the proxy in front of the upstream server up.
type newProxy func(up *httptest.Server, opts ...faultproxy.Option) (*faultproxy.Proxy, error)

// inProcess is a proxy in front of up's handler, its upstream wrapped by wrap.
func inProcess(wrap func(http.Handler) http.Handler) newProxy {
	return func(up *httptest.Server, opts ...faultproxy.Option) (*faultproxy.Proxy, error) {
		return faultproxy.New(wrap(up.Config.Handler), opts...)
	}
}

// overHTTP is a proxy in front of up's URL, as cmd/ddb-faultproxy runs it.
func overHTTP(up *httptest.Server, opts ...faultproxy.Option) (*faultproxy.Proxy, error) {
	return faultproxy.NewURL(up.URL, opts...)
}

func unwrapped(h http.Handler) http.Handler { return h }

// setup starts minidyn, a proxy in front of it, and returns a client
// through the proxy (no SDK retries, so every fault surfaces) and one
// straight to minidyn.
func setup(t *testing.T, rates faultproxy.Rates, opts ...faultproxy.Option) (*faultproxy.Proxy, *dynamodb.Client, *dynamodb.Client, string) {
	return setupWith(t, inProcess(unwrapped), rates, opts...)
}

// setupWith is setup with the proxy built by mk.
func setupWith(t *testing.T, mk newProxy, rates faultproxy.Rates, opts ...faultproxy.Option) (*faultproxy.Proxy, *dynamodb.Client, *dynamodb.Client, string) {
	t.Helper()
	opts = append([]faultproxy.Option{faultproxy.WithRates(rates), faultproxy.WithSeed(3)}, opts...)
	db := testenv.NewFaultDB(t, func(up *httptest.Server) (*faultproxy.Proxy, error) { return mk(up, opts...) }, "t",
		func(cfg *aws.Config) { cfg.RetryMaxAttempts = 1 })
	return db.Proxy, db.Via, db.Direct, db.Table
}

func put(ctx context.Context, c *dynamodb.Client, pk string) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}})
	return err
}

func exists(t *testing.T, c *dynamodb.Client, pk string) bool {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Item) > 0
}

func TestFaultKindsReachTheSDK(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		rates   faultproxy.Rates
		applied bool
		check   func(error) bool
	}{
		{"internal", faultproxy.Rates{Internal: 1}, false, func(err error) bool {
			var e *types.InternalServerError
			return errors.As(err, &e)
		}},
		{"throughput", faultproxy.Rates{Throughput: 1}, false, func(err error) bool {
			var e *types.ProvisionedThroughputExceededException
			return errors.As(err, &e)
		}},
		{"reset", faultproxy.Rates{Reset: 1}, false, func(err error) bool { return err != nil }},
		{"applied-failed", faultproxy.Rates{AppliedFailed: 1}, true, func(err error) bool {
			var e *types.InternalServerError
			return errors.As(err, &e)
		}},
		{"applied-dropped", faultproxy.Rates{AppliedDropped: 1}, true, func(err error) bool { return err != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, via, direct, _ := setup(t, tc.rates)
			err := put(ctx, via, tc.name)
			if !tc.check(err) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if got := exists(t, direct, tc.name); got != tc.applied {
				t.Errorf("write applied upstream: %v, want %v", got, tc.applied)
			}
			if s := p.Stats(); s.Injected() != 1 || s.Requests != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestReadsPassAppliedFaults(t *testing.T) {
	_, via, direct, _ := setup(t, faultproxy.Rates{AppliedFailed: 1})
	if err := put(context.Background(), direct, "r"); err != nil {
		t.Fatal(err)
	}
	if !exists(t, via, "r") {
		t.Error("read through the proxy failed")
	}
}

func TestSeededDrawsRepeat(t *testing.T) {
	run := func() faultproxy.Stats {
		p, via, _, _ := setup(t, faultproxy.Rates{Internal: 0.2, Throughput: 0.1, AppliedFailed: 0.2})
		for range 100 {
			_ = put(context.Background(), via, "k")
		}
		return p.Stats()
	}
	a, b := run(), run()
	if a != b {
		t.Errorf("same seed, different faults: %+v vs %+v", a, b)
	}
	if a.Internal < 8 || a.Internal > 35 || a.AppliedFailed < 8 || a.Throughput < 2 {
		t.Errorf("rates far off for 100 requests: %+v", a)
	}
}

func TestBadRates(t *testing.T) {
	for _, r := range []faultproxy.Rates{{Internal: -0.1}, {Reset: 1.5}, {Internal: 0.6, Throughput: 0.6},
		{AppliedFailed: 0.7, AppliedDropped: 0.7}, {SpikeLatency: -1}, {Conflict: 1.1}, {Hold: -1}, {HoldFor: -1}} {
		if _, err := faultproxy.New(localaws.DynamoDBHandler(), faultproxy.WithRates(r)); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	if _, err := faultproxy.NewURL("localhost:8000"); err == nil {
		t.Error("relative upstream accepted")
	}
}
