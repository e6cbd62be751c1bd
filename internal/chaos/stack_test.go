package chaos

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/testenv"
)

// long reports whether CHAOS_LONG asks for the long settings.
func long() bool { return os.Getenv("CHAOS_LONG") == "1" }

// pick returns short or, with CHAOS_LONG=1, long.
func pick(short, long_ int) int {
	if long() {
		return long_
	}
	return short
}

// stack is one test's DynamoDB: minidyn, a fault proxy in front of it, a
// client through the proxy and one straight to minidyn (the observer's).
type stack = testenv.FaultDB

var tableID atomic.Int64

// newStack starts minidyn behind a proxy with rates (and opts) and
// creates a table.
// The SDK client keeps its standard retryer (3 attempts, retry quota) but
// its backoff is scaled like the test clocks: at most maxBackoff of wall
// time, where the default would sleep up to 20 s.
func newStack(t testing.TB, rates faultproxy.Rates, maxBackoff time.Duration, opts ...faultproxy.Option) *stack {
	t.Helper()
	id := tableID.Add(1)
	opts = append([]faultproxy.Option{faultproxy.WithRates(rates), faultproxy.WithSeed(uint64(7 + id))}, opts...)
	mk := func(up *httptest.Server) (*faultproxy.Proxy, error) {
		return faultproxy.New(up.Config.Handler, opts...)
	}
	return testenv.NewFaultDB(t, mk, fmt.Sprintf("chaos-%d", id), func(cfg *aws.Config) {
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
					return rand.N(maxBackoff) + time.Millisecond, nil
				})
			})
		}
	})
}

// scale is how much faster than the wall the test clocks run.
func scale() float64 {
	if raceEnabled {
		return 10
	}
	return 20
}
