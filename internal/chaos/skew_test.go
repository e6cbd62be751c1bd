package chaos

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/lease"
)

// TestClockSkewBeyondMargin: a holder whose clock is 8 s slow, with a 1 s
// margin, stops renewing (its UpdateItems fail). A peer with a true clock
// replaces it once expiry plus margin passed on the true clock, while the
// slow holder, by its own clock, still believes it holds the lease: that
// is what breaks. Fencing still keeps its writes out: its writes under the
// lease (Transact) fail and the peer's pass. With a margin that covers the skew, the slow holder
// has stopped trusting its lease before the peer gets it — already with
// a margin of 4.5 s for 8 s of skew: a holder stops trusting one margin
// before expiry and a peer replaces it one margin after, so clocks may
// differ by up to twice the margin.
func TestClockSkewBeyondMargin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		margin      time.Duration
		stillTrusts bool
	}{{time.Second, true}, {4500 * time.Millisecond, false}} {
		st := newStack(t, faultproxy.Rates{}, 20*time.Millisecond)
		base := clock.Scaled{Epoch: time.Now(), Scale: scale()}
		opts := []lease.Option{lease.WithTTL(9 * time.Second), lease.WithHeartbeat(3 * time.Second),
			lease.WithSkew(tc.margin), lease.WithPoll(100*time.Millisecond, 300*time.Millisecond)}
		cut := &renewalsCut{DynamoDB: st.Direct}
		slowM, err := lease.NewManager(cut, st.Table, append(opts, lease.WithClock(skewedClock{base, -8 * time.Second}))...)
		if err != nil {
			t.Fatal(err)
		}
		fastM, err := lease.NewManager(st.Direct, st.Table, append(opts, lease.WithClock(base))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		slow, err := slowM.Acquire(ctx, "skew", lease.As("slow"))
		if err != nil {
			t.Fatal(err)
		}
		cut.cut.Store(true) // the slow holder's renewals no longer reach DynamoDB
		if err := guardedPut(ctx, st.Table, slow, "slow-before"); err != nil {
			t.Fatalf("margin %v: slow holder's guarded write before the takeover: %v", tc.margin, err)
		}
		fast, err := fastM.Acquire(ctx, "skew", lease.As("fast"))
		if err != nil {
			t.Fatal(err)
		}
		trusts := slow.Valid()
		slowErr := guardedPut(ctx, st.Table, slow, "slow-after")
		fastErr := guardedPut(ctx, st.Table, fast, "fast")
		t.Logf("margin %v, skew 8 s: at the takeover (fence %d → %d) the slow holder trusts its lease: %v; its guarded write: %v; the new holder's: %v",
			tc.margin, slow.Fence(), fast.Fence(), trusts, slowErr, fastErr)
		if trusts != tc.stillTrusts {
			t.Errorf("margin %v: slow holder trusts its replaced lease: %v, want %v", tc.margin, trusts, tc.stillTrusts)
		}
		if slowErr == nil || fastErr != nil {
			t.Errorf("margin %v: fencing: slow holder's write %v (want refused), new holder's %v (want nil)", tc.margin, slowErr, fastErr)
		}
		Report(t, map[string]any{"margin_s": tc.margin.Seconds(), "skew_s": 8, "stale_holder_trusts": trusts,
			"stale_write_refused": slowErr != nil})
		cut.cut.Store(false)
		_ = fast.Release(ctx)
		_ = slow.Release(ctx)
	}
}

// renewalsCut fails UpdateItem (the heartbeat's renewals) while cut is set;
// transactions go through.
type renewalsCut struct {
	lease.DynamoDB
	cut atomic.Bool
}

func (c *renewalsCut) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if c.cut.Load() {
		return nil, errors.New("cut off from DynamoDB")
	}
	return c.DynamoDB.UpdateItem(ctx, in, o...)
}

// TestLeaseDocStatesSkew: the lease package documentation says what the
// test above shows.
func TestLeaseDocStatesSkew(t *testing.T) {
	b, err := os.ReadFile("../../lease/doc.go")
	if err != nil {
		t.Skip(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")
	for _, want := range []string{"Clock skew", "slow-clocked holder may still act on a lease", "fencing (Transact"} {
		if !strings.Contains(doc, want) {
			t.Errorf("lease/doc.go no longer says %q", want)
		}
	}
}
