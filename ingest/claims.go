package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// States of a (source, window) claim.
const (
	claimClaimed = "claimed"
	claimDone    = "done"
	claimFree    = "free"
)

// claimState is a claim item as read from the table.
type claimState struct {
	State  string // "" when the item does not exist
	Holder string
	Scope  string
	Fence  int64
}

// claims reads and writes the (source, window) claims of one Run: pk
// "ingest#<env>#<client>#<from>:<to>", sk "source#<source_key>". A claim is
// one transaction with the lease's guard; done and free are conditional on
// holder and fence. Placeholder names are never prefixes of one another
// (minidyn substitutes them textually). claims is safe for concurrent use.
type claims struct {
	db     DynamoDB
	table  string
	pk     string
	lease  *lease.Lease
	leases *lease.Manager
	clock  clock.Clock
	retain time.Duration
}

func (c *claims) key(src string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{ddbattr.PK: ddbattr.S(c.pk), ddbattr.SK: ddbattr.S("source#" + src)}
}

// take claims src for the lease. A free or missing claim is taken; with
// force a done one too; a claim whose holder is no longer live in its scope
// is taken over. It returns ErrClaimConflict (with the state seen) when
// another invocation holds or finished the source, and an error wrapping
// lease.ErrNotHeld when the lease is no longer current.
func (c *claims) take(ctx context.Context, src string, force bool) (claimState, error) {
	err := c.claim(ctx, src, claimState{}, force)
	if !errors.Is(err, ErrClaimConflict) {
		return claimState{}, err
	}
	seen, err := c.read(ctx, src)
	if err != nil {
		return seen, err
	}
	if seen.State != claimClaimed {
		return seen, ErrClaimConflict
	}
	live, err := c.live(ctx, seen)
	if err != nil {
		return seen, err
	}
	if live {
		return seen, ErrClaimConflict
	}
	return seen, c.claim(ctx, src, seen, force)
}

// claim writes the claim on condition that it is free (or done, with force)
// or, when prev is a claim, still held by prev's holder and fence.
func (c *claims) claim(ctx context.Context, src string, prev claimState, force bool) error {
	now := c.clock.Now()
	vals := map[string]types.AttributeValue{
		":vclaimed": ddbattr.S(claimClaimed), ":vholder": ddbattr.S(c.lease.Holder()), ":vfence": ddbattr.N(c.lease.Fence()),
		":vscope": ddbattr.S(c.lease.Scope()), ":vnow": ddbattr.N(now.UnixMilli()), ":vgc": ddbattr.N(now.Add(c.retain).Unix()),
	}
	cond := "attribute_not_exists(#cst) OR #cst = :vfree"
	vals[":vfree"] = ddbattr.S(claimFree)
	if force {
		cond += " OR #cst = :vdone"
		vals[":vdone"] = ddbattr.S(claimDone)
	}
	if prev.State == claimClaimed {
		cond = "#cst = :vclaimed AND #chd = :vprevholder AND #cfn = :vprevfence"
		vals = map[string]types.AttributeValue{":vclaimed": vals[":vclaimed"], ":vholder": vals[":vholder"],
			":vfence": vals[":vfence"], ":vscope": vals[":vscope"], ":vnow": vals[":vnow"], ":vgc": vals[":vgc"],
			":vprevholder": ddbattr.S(prev.Holder), ":vprevfence": ddbattr.N(prev.Fence)}
	}
	update := &types.Update{
		TableName: aws.String(c.table), Key: c.key(src),
		UpdateExpression:    aws.String("SET #cst = :vclaimed, #chd = :vholder, #cfn = :vfence, #csc = :vscope, #cca = :vnow, #cgc = :vgc"),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#cst": "state", "#chd": "holder", "#cfn": "fence",
			"#csc": "scope", "#cca": "claimed_at", "#cgc": ddbattr.GC},
		ExpressionAttributeValues: vals,
	}
	return c.claimError(src, c.lease.Transact(ctx, []types.TransactWriteItem{{Update: update}}))
}

func (c *claims) claimError(src string, err error) error {
	var canceled *lease.CanceledError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &canceled) && canceled.Failed(0):
		return ErrClaimConflict
	}
	return fmt.Errorf("ingest: claim %s: %w", src, err)
}

// read returns the claim of src (one consistent GetItem).
func (c *claims) read(ctx context.Context, src string) (claimState, error) {
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: c.key(src), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return claimState{}, fmt.Errorf("ingest: read claim %s: %w", src, err)
	}
	return claimState{State: ddbattr.GetS(out.Item, "state"), Holder: ddbattr.GetS(out.Item, "holder"),
		Scope: ddbattr.GetS(out.Item, "scope"), Fence: ddbattr.GetN(out.Item, "fence")}, nil
}

// live reports whether the holder of a claim still holds its lease.
func (c *claims) live(ctx context.Context, s claimState) (bool, error) {
	_, holders, err := c.leases.Holders(ctx, s.Scope)
	if err != nil {
		return false, fmt.Errorf("ingest: read scope %s: %w", s.Scope, err)
	}
	now := c.clock.Now()
	for _, h := range holders {
		if h.ID == s.Holder && h.Fence == s.Fence {
			return c.leases.Live(h, now), nil
		}
	}
	return false, nil
}

// finish marks src done (with the number of items it gave, and extra, the
// validators to remember, written in the same transaction) or free, on
// condition that this lease still holds it.
func (c *claims) finish(ctx context.Context, src, state string, n int, extra *types.Update) error {
	now := c.clock.Now()
	update := &types.Update{
		TableName: aws.String(c.table), Key: c.key(src),
		UpdateExpression:    aws.String("SET #fst = :wstate, #fat = :wnow, #fni = :wcount"),
		ConditionExpression: aws.String("#fst = :wclaimed AND #fhd = :wholder AND #ffn = :wfence"),
		ExpressionAttributeNames: map[string]string{"#fst": "state", "#fat": state + "_at", "#fni": "n_items",
			"#fhd": "holder", "#ffn": "fence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":wstate": ddbattr.S(state), ":wnow": ddbattr.N(now.UnixMilli()), ":wcount": ddbattr.N(int64(n)),
			":wclaimed": ddbattr.S(claimClaimed), ":wholder": ddbattr.S(c.lease.Holder()), ":wfence": ddbattr.N(c.lease.Fence()),
		},
	}
	items := []types.TransactWriteItem{{Update: update}}
	if extra != nil {
		items = append(items, types.TransactWriteItem{Update: extra})
	}
	_, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && len(canceled.CancellationReasons) > 0 &&
		aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return fmt.Errorf("ingest: mark %s %s: %w", src, state, lease.ErrNotHeld)
	}
	if err != nil {
		return fmt.Errorf("ingest: mark %s %s: %w", src, state, err)
	}
	return nil
}
