package claim

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// Mark closes one claim this lease holds: Done when its work is finished,
// Free when it must be done again (by anyone). It is a plain value.
type Mark struct {
	SK     string
	State  string  // Done or Free
	Items  int     // n_items to record
	Counts *Counts // ok, fallback and failed to record; nil records none
	// Also is another write made in the same transaction, for Mark only:
	// it happens if and only if the mark does.
	Also *types.Update
}

// Mark writes m on condition that this lease still holds the claim: one
// UpdateItem, or one transaction with m.Also. It returns lease.ErrNotHeld
// when the claim is no longer this lease's (nothing is written).
func (s *Set) Mark(ctx context.Context, m Mark) error {
	u := s.markUpdate(m)
	if m.Also == nil {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		})
		var failed *types.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			return lease.ErrNotHeld
		}
		return err
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Update: u}, {Update: m.Also}},
	})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && refusals(canceled)(0) {
		return lease.ErrNotHeld
	}
	return err
}

// Flush writes marks: one transaction for up to MaxMarks of them (one
// UpdateItem for one). When a transaction is refused it writes each of its
// marks alone, so that one claim this lease lost does not keep the others
// claimed. It returns how many were written and, for each that was not, a
// *MarkError naming it. Marks with Also are refused: write them with Mark.
func (s *Set) Flush(ctx context.Context, marks []Mark) (written int, errs []error) {
	if err := noAlso(marks); err != nil {
		return 0, []error{err}
	}
	for len(marks) > 0 {
		chunk := marks[:min(len(marks), MaxMarks)]
		marks = marks[len(chunk):]
		if len(chunk) > 1 && s.transact(ctx, chunk) == nil {
			written += len(chunk)
			continue
		}
		for _, m := range chunk {
			if err := s.Mark(ctx, m); err != nil {
				errs = append(errs, &MarkError{SKs: []string{m.SK}, Err: err})
				continue
			}
			written++
		}
	}
	return written, errs
}

// transact writes marks in one transaction.
func (s *Set) transact(ctx context.Context, marks []Mark) error {
	items := make([]types.TransactWriteItem, len(marks))
	for k, m := range marks {
		items[k] = types.TransactWriteItem{Update: s.markUpdate(m)}
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// markUpdate is the conditional write of m.
func (s *Set) markUpdate(m Mark) *types.Update {
	set := "SET #mst = :mstate, #mat = :mnow, #mni = :mcount"
	names := map[string]string{"#mst": AttrState, "#mat": m.State + "_at", "#mni": AttrCount, "#mhd": AttrHolder, "#mfn": AttrFence}
	vals := map[string]types.AttributeValue{
		":mstate": ddbattr.S(m.State), ":mnow": ddbattr.N(s.clock.Now().UnixMilli()), ":mcount": ddbattr.N(int64(m.Items)),
		":mclaimed": ddbattr.S(Claimed), ":mholder": ddbattr.S(s.lease.Holder()), ":mfence": ddbattr.N(s.lease.Fence()),
	}
	if c := m.Counts; c != nil {
		set += ", #mok = :mok, #mfb = :mfb, #mfl = :mfl"
		names["#mok"], names["#mfb"], names["#mfl"] = AttrOK, AttrFallback, AttrFailed
		vals[":mok"], vals[":mfb"], vals[":mfl"] = ddbattr.N(int64(c.OK)), ddbattr.N(int64(c.Fallback)), ddbattr.N(int64(c.Failed))
	}
	return &types.Update{TableName: aws.String(s.table), Key: s.key(m.SK), UpdateExpression: aws.String(set),
		ConditionExpression:      aws.String("#mst = :mclaimed AND #mhd = :mholder AND #mfn = :mfence"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
}
