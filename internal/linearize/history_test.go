package linearize_test

import (
	"context"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/internal/linearize"
	"github.com/vectora/ingest-normalize/lease"
)

// TestHistoryReadsTheLeaseRequests: acquisition, a write under the lease,
// a heartbeat renewal and the release are each recorded once, readable, and
// the history checks.
func TestHistoryReadsTheLeaseRequests(t *testing.T) {
	ctx := context.Background()
	db := ddbtest.Start(t)
	table := ddbtest.Table(t, db, "linearize")
	clk := ddbtest.Clock()
	h := linearize.NewHistory(clk)
	m, err := lease.NewManager(h.Client(0, db), table, lease.WithTTL(9*time.Second), lease.WithHeartbeat(3*time.Second),
		lease.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Acquire(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	err = l.Transact(ctx, []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "out"}, "sk": &types.AttributeValueMemberS{Value: "v"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for exp := l.Expires(); l.Expires().Equal(exp); { // a heartbeat renewal
		<-clk.After(time.Second)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	kinds := map[linearize.Kind]int{}
	for _, op := range h.Operations() {
		in := op.Input.(linearize.Input)
		if in.Holder != l.Holder() || in.Fence != l.Fence() || op.Output != linearize.OK {
			t.Errorf("operation %+v → %v, want %s's, fence %d, ok", in, op.Output, l.Holder(), l.Fence())
		}
		kinds[in.Kind]++
	}
	if kinds[linearize.Acquire] != 1 || kinds[linearize.Write] != 1 || kinds[linearize.Renew] == 0 || kinds[linearize.Release] != 1 {
		t.Errorf("recorded %v, want an acquisition, a write, renewals and a release", kinds)
	}
	if s := h.Stats(); s.Unread != 0 {
		t.Errorf("stats %+v", s)
	}
	if v := linearize.Check(linearize.Spec{MaxHolders: 1}, h.Operations(), 0).Verdict; v != porcupine.Ok {
		t.Errorf("verdict %v", v)
	}
}
