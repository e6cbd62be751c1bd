package normalize

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// ErrClaimConflict is returned when another invocation claimed or finished
// a batch first.
var ErrClaimConflict = errors.New("normalize: batch claimed by someone else")

// States of a batch item.
const (
	batchClaimed = "claimed"
	batchDone    = "done"
	batchFree    = "free"
)

// batchState is one batch item of a run as read from the table:
// pk "run#<env>#<runKey>", sk "batch#<nnnnn>".
type batchState struct {
	Index    int
	State    string // "" when the item does not exist yet
	Holder   string
	Fence    int64
	OK       int
	Fallback int
	Failed   int
	Items    int
}

// claims reads and writes the batch items of one run. Every write is
// conditional: a claim carries the lease's guard in the same transaction,
// done and free carry the holder and fence. claims is safe for concurrent
// use.
type claims struct {
	db     DynamoDB
	table  string
	pk     string
	lease  *lease.Lease
	leases *lease.Manager
	clock  clock.Clock
	retain time.Duration
}

func batchSK(i int) string { return fmt.Sprintf("batch#%05d", i) }

func (c *claims) key(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		ddbattr.PK: &types.AttributeValueMemberS{Value: c.pk},
		ddbattr.SK: &types.AttributeValueMemberS{Value: batchSK(i)},
	}
}

// states reads every batch item of the run: one Query (more when paged).
func (c *claims) states(ctx context.Context) (map[int]batchState, error) {
	out := map[int]batchState{}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(c.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :pre)"),
		ExpressionAttributeNames:  map[string]string{"#pk": ddbattr.PK, "#sk": ddbattr.SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": ddbattr.S(c.pk), ":pre": ddbattr.S("batch#")},
		ConsistentRead:            aws.Bool(true),
	}
	for {
		page, err := c.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("normalize: read batches of %s: %w", c.pk, err)
		}
		for _, item := range page.Items {
			b := decodeBatch(item)
			out[b.Index] = b
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

func decodeBatch(item map[string]types.AttributeValue) batchState {
	sk := ddbattr.GetS(item, ddbattr.SK)
	i, _ := strconv.Atoi(strings.TrimPrefix(sk, "batch#"))
	return batchState{
		Index: i, State: ddbattr.GetS(item, "state"), Holder: ddbattr.GetS(item, "holder"), Fence: ddbattr.GetN(item, "fence"),
		OK: int(ddbattr.GetN(item, "ok")), Fallback: int(ddbattr.GetN(item, "fallback")), Failed: int(ddbattr.GetN(item, "failed")),
		Items: int(ddbattr.GetN(item, "n_items")),
	}
}

// claim takes batch i for the lease in one TransactWriteItems: the lease's
// renewal, a conditional update of the batch and the done marks of done.
// prev is the batch as last read; when it is claimed (by a dead holder,
// which the caller checked) the condition names that holder and fence, so
// that only one stealer wins. It returns ErrClaimConflict when the batch
// was taken first, a *finishRefusedError when some of done are no longer
// held, or an error wrapping lease.ErrNotHeld when the lease is no longer
// current.
func (c *claims) claim(ctx context.Context, i int, ids []string, prev batchState, done []finishing) error {
	now := c.clock.Now()
	cond := "attribute_not_exists(#st) OR #st = :free"
	vals := map[string]types.AttributeValue{
		":claimed": ddbattr.S(batchClaimed), ":holder": ddbattr.S(c.lease.Holder()), ":fence": ddbattr.N(c.lease.Fence()),
		":now": ddbattr.N(now.UnixMilli()), ":gc": ddbattr.N(now.Add(c.retain).Unix()), ":ids": strList(ids),
		":cnt": ddbattr.N(int64(len(ids))),
	}
	if prev.State == batchClaimed {
		cond = "#st = :claimed AND #hd = :dh AND #fn = :df"
		vals[":dh"], vals[":df"] = ddbattr.S(prev.Holder), ddbattr.N(prev.Fence)
	} else {
		vals[":free"] = ddbattr.S(batchFree)
	}
	update := &types.Update{
		TableName: aws.String(c.table), Key: c.key(i),
		UpdateExpression: aws.String("SET #st = :claimed, #hd = :holder, #fn = :fence, #ca = :now, #gc = :gc, " +
			"#it = if_not_exists(#it, :ids), #ni = :cnt"),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#st": "state", "#hd": "holder", "#fn": "fence",
			"#ca": "claimed_at", "#gc": ddbattr.GC, "#it": "items", "#ni": "n_items"},
		ExpressionAttributeValues: vals,
	}
	items := []types.TransactWriteItem{{Update: update}}
	for _, f := range done {
		items = append(items, types.TransactWriteItem{Update: c.finishUpdate(f.index, batchDone, f)})
	}
	return c.claimError(i, c.lease.Transact(ctx, items), done)
}

// finishing is a batch whose items all have a usable record, to be marked
// done by the next claim's transaction (or by flush when claiming is over).
type finishing struct {
	index                int
	ok, fallback, failed int
}

// finishRefusedError is returned by a claim whose transaction also marked
// finished batches done and was refused because this lease no longer holds
// some of them: Batches lists them.
type finishRefusedError struct{ Batches []int }

func (e *finishRefusedError) Error() string {
	return fmt.Sprintf("normalize: mark batches %v done: no longer held by this lease", e.Batches)
}

func (c *claims) claimError(i int, err error, done []finishing) error {
	var canceled *lease.CanceledError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, lease.ErrNotHeld):
		return fmt.Errorf("normalize: claim batch %d: %w", i, err)
	case !errors.As(err, &canceled):
		return fmt.Errorf("normalize: claim batch %d: %w", i, err)
	case canceled.Failed(0):
		return ErrClaimConflict
	}
	var lost []int
	for k, f := range done {
		if canceled.Failed(1 + k) {
			lost = append(lost, f.index)
		}
	}
	if len(lost) > 0 {
		return &finishRefusedError{Batches: lost}
	}
	return fmt.Errorf("normalize: claim batch %d: %w", i, err)
}

// finishUpdate is the conditional write that marks batch i state (done:
// every item has a usable record; free: some items still need work), on
// condition that this lease still holds it.
func (c *claims) finishUpdate(i int, state string, f finishing) *types.Update {
	now := c.clock.Now()
	return &types.Update{
		TableName: aws.String(c.table), Key: c.key(i),
		UpdateExpression:    aws.String("SET #st = :state, #da = :now, #ok = :ok, #fb = :fb, #fl = :fl"),
		ConditionExpression: aws.String("#st = :claimed AND #hd = :me AND #fn = :fence"),
		ExpressionAttributeNames: map[string]string{"#st": "state", "#da": state + "_at", "#ok": "ok",
			"#fb": "fallback", "#fl": "failed", "#hd": "holder", "#fn": "fence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":state": ddbattr.S(state), ":now": ddbattr.N(now.UnixMilli()), ":ok": ddbattr.N(int64(f.ok)), ":fb": ddbattr.N(int64(f.fallback)),
			":fl": ddbattr.N(int64(f.failed)), ":claimed": ddbattr.S(batchClaimed), ":me": ddbattr.S(c.lease.Holder()), ":fence": ddbattr.N(c.lease.Fence()),
		},
	}
}

// finish marks one batch state with its own write.
func (c *claims) finish(ctx context.Context, state string, f finishing) error {
	u := c.finishUpdate(f.index, state, f)
	_, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("normalize: mark batch %d %s: %w", f.index, state, lease.ErrNotHeld)
	}
	if err != nil {
		return fmt.Errorf("normalize: mark batch %d %s: %w", f.index, state, err)
	}
	return nil
}

// maxFinishes is how many done batches one transaction marks: DynamoDB
// takes 100 items a transaction; a claim uses two of them.
const maxFinishes = 98

// flush marks done batches done: one transaction for several (one write
// for one). It returns the batches marked and, when the transaction was
// refused, retries each on its own so that one lost batch does not keep
// the others claimed.
func (c *claims) flush(ctx context.Context, done []finishing) (marked int, errs []error) {
	for len(done) > 0 {
		chunk := done[:min(len(done), maxFinishes)]
		done = done[len(chunk):]
		if len(chunk) > 1 {
			items := make([]types.TransactWriteItem, len(chunk))
			for k, f := range chunk {
				items[k] = types.TransactWriteItem{Update: c.finishUpdate(f.index, batchDone, f)}
			}
			if _, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err == nil {
				marked += len(chunk)
				continue
			}
		}
		for _, f := range chunk {
			if err := c.finish(ctx, batchDone, f); err != nil {
				errs = append(errs, err)
				continue
			}
			marked++
		}
	}
	return marked, errs
}

// liveHolders returns the expiry of each holder of the scope (one
// GetItem through the lease manager). A holder missing from it is gone.
func (c *claims) liveHolders(ctx context.Context) (map[string]time.Time, error) {
	_, hs, err := c.leases.Holders(ctx, c.lease.Scope())
	if err != nil {
		return nil, fmt.Errorf("normalize: read scope %s: %w", c.lease.Scope(), err)
	}
	out := make(map[string]time.Time, len(hs))
	for _, h := range hs {
		out[h.ID] = h.Expires
	}
	return out, nil
}

func strList(ss []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(ss))
	for i, s := range ss {
		l[i] = ddbattr.S(s)
	}
	return &types.AttributeValueMemberL{Value: l}
}
