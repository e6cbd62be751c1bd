package chaos

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/linearize"
	"github.com/vectora/ingest-normalize/lease"
)

// TestCheckerCatchesFenceOnlyTakeover shows that the linearizability check
// can fail: scenario 1 of issue 12 is played against the real lease and
// against a variant whose takeover is conditioned on the fence alone (as
// before the fix). Holder a's heartbeats are cut off; a write under its
// lease, carrying a renewal, stalls in the network before a's expiry; peer
// b reads the scope after a's expiry plus the skew, the stalled write
// lands, then b writes its takeover. The real lease refuses the takeover
// (a's expiry changed) and the history is linearizable; the broken variant
// removes the entry a had just renewed, and porcupine must say Illegal.
func TestCheckerCatchesFenceOnlyTakeover(t *testing.T) {
	t.Parallel()
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("fence-only=%v", broken), func(t *testing.T) {
			res, took := playScenario1(t, broken)
			if took != broken {
				t.Fatalf("takeover after the late renewal succeeded: %v, want %v", took, broken)
			}
			want := map[bool]porcupine.CheckResult{false: porcupine.Ok, true: porcupine.Illegal}[broken]
			if res.Verdict != want {
				path := filepath.Join(t.TempDir(), "history.html")
				_ = res.Visualize(path)
				t.Fatalf("porcupine: %v, want %v (history: %s)", res.Verdict, want, path)
			}
			Report(t, map[string]any{"fence_only_takeover": broken, "verdict": string(res.Verdict),
				"violation_detected": res.Verdict == porcupine.Illegal})
		})
	}
}

// playScenario1 plays the scenario and returns the check of its history
// and whether b's takeover succeeded.
func playScenario1(t *testing.T, fenceOnly bool) (linearize.Result, bool) {
	ctx := context.Background()
	clk := clock.Scaled{Epoch: time.Now(), Scale: min(scale(), 20)}
	st := newStack(t, faultproxy.Rates{}, 20*time.Millisecond)
	hist := linearize.NewHistory(clk)
	opts := []lease.Option{lease.WithMaxHolders(1), lease.WithTTL(30 * time.Second), lease.WithClock(clk)}
	stall := &stalling{DynamoDB: st.Via}
	cut := &renewalsCut{DynamoDB: hist.Client(0, stall)}
	ma, err := lease.NewManager(cut, st.Table, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ma.Acquire(ctx, "dev", lease.As("a"))
	if err != nil {
		t.Fatal(err)
	}
	exp := a.Expires()
	cut.cut.Store(true)
	waitFor(clk, exp.Add(-6*time.Second))
	stall.arm()
	wrote := make(chan error, 1)
	go func() { wrote <- guardedPut(ctx, st.Table, a, "late") }()
	<-stall.held
	waitFor(clk, exp.Add(3*time.Second))
	var bdb lease.DynamoDB = &afterRead{DynamoDB: hist.Client(1, st.Via), hook: stall.deliver}
	if fenceOnly {
		bdb = &fenceOnlyTakeover{DynamoDB: bdb}
	}
	mb, err := lease.NewManager(bdb, st.Table, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mb.TryAcquire(ctx, "dev", lease.As("b"))
	if werr := <-wrote; werr != nil {
		t.Fatalf("the stalled write under a's lease: %v, want it applied", werr)
	}
	var held *lease.HeldError
	if err != nil && !errors.As(err, &held) {
		t.Fatalf("takeover: %v", err)
	}
	cut.cut.Store(false)
	_ = a.Release(ctx)
	if b != nil {
		_ = b.Release(ctx)
	}
	if s := hist.Stats(); s.Unread > 0 {
		t.Fatalf("%d scope writes the recorder could not read: %+v", s.Unread, s)
	}
	return linearize.Check(linearize.Spec{MaxHolders: 1}, hist.Operations(), time.Minute), b != nil
}

func waitFor(clk clock.Clock, t time.Time) {
	if d := t.Sub(clk.Now()); d > 0 {
		<-clk.After(d)
	}
}

// stalling holds the next TransactWriteItems once armed, until deliver:
// the table applies it then, and its sender gets the answer late.
type stalling struct {
	lease.DynamoDB
	mu            sync.Mutex
	armed         bool
	held, release chan struct{}
	landed        chan struct{}
}

func (s *stalling) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.held, s.release, s.landed = true, make(chan struct{}), make(chan struct{}), make(chan struct{})
}

// deliver lets the held request land and waits until it has.
func (s *stalling) deliver() {
	s.mu.Lock()
	release, landed := s.release, s.landed
	s.mu.Unlock()
	if release == nil {
		return
	}
	close(release)
	<-landed
}

func (s *stalling) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.mu.Lock()
	armed := s.armed
	s.armed = false
	s.mu.Unlock()
	if !armed {
		return s.DynamoDB.TransactWriteItems(ctx, in, o...)
	}
	close(s.held)
	<-s.release
	out, err := s.DynamoDB.TransactWriteItems(context.WithoutCancel(ctx), in, o...)
	close(s.landed)
	return out, err
}

// afterRead runs hook once, after the first GetItem was answered: between
// a peer's read of the scope and its write.
type afterRead struct {
	lease.DynamoDB
	once sync.Once
	hook func()
}

func (a *afterRead) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := a.DynamoDB.GetItem(ctx, in, o...)
	a.once.Do(a.hook)
	return out, err
}

// fenceOnlyTakeover is the broken variant: an acquisition's takeover keeps
// only its condition on the fence, dropping the one on each removed
// holder's expiry as read.
type fenceOnlyTakeover struct{ lease.DynamoDB }

func (f *fenceOnlyTakeover) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	cond := aws.ToString(in.ConditionExpression)
	if in.ExpressionAttributeValues[":prev"] == nil || !strings.Contains(cond, " AND #hs.#x") {
		return f.DynamoDB.UpdateItem(ctx, in, o...)
	}
	c := *in
	c.ConditionExpression = aws.String("#f = :prev")
	c.ExpressionAttributeValues = map[string]types.AttributeValue{}
	for k, v := range in.ExpressionAttributeValues {
		if !strings.HasPrefix(k, ":x") {
			c.ExpressionAttributeValues[k] = v
		}
	}
	c.ExpressionAttributeNames = map[string]string{}
	for k, v := range in.ExpressionAttributeNames {
		if k != "#e" {
			c.ExpressionAttributeNames[k] = v
		}
	}
	return f.DynamoDB.UpdateItem(ctx, &c, o...)
}
