package claim

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
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
// UpdateItem, or one transaction with m.Also. Conflicts, throttling and
// ambiguous outcomes are retried until ctx ends (a transaction with the
// same request token, so that it applies once; a single write by reading
// the claim back). It returns an error wrapping lease.ErrNotHeld when the
// claim is no longer this lease's (nothing is written).
func (s *Set) Mark(ctx context.Context, m Mark) error {
	if m.Also != nil {
		return s.transact(ctx, []types.TransactWriteItem{{Update: s.markUpdate(m)}, {Update: m.Also}})
	}
	u := s.markUpdate(m)
	in := &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues}
	unknown := false
	return retrying(ctx, s, func() (bool, error) {
		_, err := s.db.UpdateItem(ctx, in, ddbretry.NoSDKRetry)
		switch o := ddbretry.Classify(err); {
		case err == nil:
			return true, nil
		case o == ddbretry.Refused && ddbretry.ConditionFailed(err, -1):
			return true, s.markRefused(ctx, m, unknown)
		case o == ddbretry.Refused:
			return true, err
		case o == ddbretry.Unknown:
			unknown = true
		}
		return false, err
	})
}

// markRefused decides a refused mark: written after all by an earlier
// attempt whose outcome was unknown, or no longer this lease's claim.
func (s *Set) markRefused(ctx context.Context, m Mark, unknown bool) error {
	if unknown {
		if st, err := s.Read(ctx, m.SK); err == nil && st.State == m.State && st.Holder == s.lease.Holder() && st.Fence == s.lease.Fence() {
			return nil
		}
	}
	return fmt.Errorf("claim: mark %s %s: %w", m.SK, m.State, lease.ErrNotHeld)
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
		if len(chunk) > 1 && s.transact(ctx, s.markItems(chunk)) == nil {
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

func (s *Set) markItems(marks []Mark) []types.TransactWriteItem {
	items := make([]types.TransactWriteItem, len(marks))
	for k, m := range marks {
		items[k] = types.TransactWriteItem{Update: s.markUpdate(m)}
	}
	return items
}

// transact writes items in one transaction, retried as Mark says: the
// same request token after an ambiguous outcome (DynamoDB then answers
// with the first outcome instead of applying it twice), a fresh one after
// a conflict. A refusal of its first item is lease.ErrNotHeld.
func (s *Set) transact(ctx context.Context, items []types.TransactWriteItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(token())}
	return retrying(ctx, s, func() (bool, error) {
		_, err := s.db.TransactWriteItems(ctx, in, ddbretry.NoSDKRetry)
		switch o := ddbretry.Classify(err); {
		case err == nil:
			return true, nil
		case o == ddbretry.Refused && ddbretry.ConditionFailed(err, 0):
			return true, fmt.Errorf("claim: mark: %w", lease.ErrNotHeld)
		case o == ddbretry.Refused:
			return true, err
		case o == ddbretry.NotApplied && !errors.As(err, new(*types.TransactionInProgressException)):
			in.ClientRequestToken = aws.String(token())
		}
		return false, err
	})
}

// retrying calls try until it reports done, waiting between tries on the
// Set's clock, until ctx ends.
func retrying(ctx context.Context, s *Set, try func() (done bool, err error)) error {
	b := ddbretry.Backoff()
	for {
		done, err := try()
		if done {
			return err
		}
		d, _ := b.Next()
		if cerr := clock.Sleep(ctx, s.clock, d); cerr != nil {
			return errors.Join(err, cerr)
		}
	}
}

// token is a fresh ClientRequestToken.
func token() string { return ddbattr.Token(16) }

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
