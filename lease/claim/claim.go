package claim

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// MaxMarks is how many marks one Claim carries: DynamoDB takes 100 items
// a transaction, and a claim uses two of them (the lease's and its own).
const MaxMarks = 98

// ClaimOption configures one Claim.
type ClaimOption func(*claimCall)

type claimCall struct {
	force bool
	items []string
	marks []Mark
	over  *Holders
}

// Force lets the claim take a claim that is done, to do its work again.
func Force() ClaimOption { return func(c *claimCall) { c.force = true } }

// Items records what the claim covers (attribute items, kept from the
// first claim) and how many (n_items).
func Items(refs []string) ClaimOption { return func(c *claimCall) { c.items = refs } }

// Over says that the claim takes prev over from its holder, which h, a
// snapshot of the holders, shows not live: when that holder's entry is in
// the lease's scope, the same transaction removes it, on condition that it
// is unchanged since h was read. A renewal of the dead holder that lands
// late then either lands first (the claim is refused: ErrConflict) or is
// refused itself: the holder cannot come back beside the one that took its
// work.
func Over(h *Holders) ClaimOption { return func(c *claimCall) { c.over = h } }

// Carrying writes marks in the claim's transaction, so that marking the
// work finished since the last claim costs no request of its own. Marks
// with Also are refused: only Mark writes them.
func Carrying(marks ...Mark) ClaimOption { return func(c *claimCall) { c.marks = marks } }

// Claim takes claim sk for the lease in one transaction under the lease
// (lease.Lease.Transact: it holds only while the lease is current, and
// renews it): the conditional update of the claim and the marks it
// carries. prev is the claim as last seen: when it is claimed (by a holder
// the caller found not live, see Over) the update is conditioned on that
// holder and fence, so that of several holders taking it over one wins;
// otherwise on the claim being missing or free (or done, with Force).
// Conflicts, throttling and ambiguous outcomes are retried until ctx ends.
//
// It returns ErrConflict when someone else claimed or finished it first
// (or the dead holder came back); an error wrapping lease.ErrNotHeld when
// the lease no longer holds its scope (nothing is written, and the lease
// is lost); a *MarkError naming the carried marks whose claims this lease
// no longer holds (nothing is written: claim again without them); and an
// error wrapping lease.ErrUnknown when ctx ended after an attempt whose
// outcome is unknown (read the claim to know).
func (s *Set) Claim(ctx context.Context, sk string, prev State, opts ...ClaimOption) error {
	var c claimCall
	for _, o := range opts {
		o(&c)
	}
	if err := checkMarks(c.marks); err != nil {
		return err
	}
	items := append(make([]types.TransactWriteItem, 0, 1+len(c.marks)), types.TransactWriteItem{Update: s.claimUpdate(sk, prev, c)})
	for _, m := range c.marks {
		items = append(items, types.TransactWriteItem{Update: s.markUpdate(m)})
	}
	return claimError(s.lease.Transact(ctx, items, s.takeover(prev, c.over)...), c.marks)
}

// takeover removes prev's dead holder in the claim's transaction when the
// snapshot lists it in the lease's scope.
func (s *Set) takeover(prev State, h *Holders) []lease.TransactOption {
	if prev.State != Claimed || h == nil || h.scope != s.lease.Scope() {
		return nil
	}
	if e, ok := h.entry(prev); ok {
		return []lease.TransactOption{lease.Removing(e)}
	}
	return nil
}

func checkMarks(marks []Mark) error {
	if len(marks) > MaxMarks {
		return fmt.Errorf("claim: %d marks, more than the %d a transaction carries", len(marks), MaxMarks)
	}
	return noAlso(marks)
}

// noAlso refuses marks with Also, which only Mark writes.
func noAlso(marks []Mark) error {
	for _, m := range marks {
		if m.Also != nil {
			return fmt.Errorf("claim: mark %s has Also: write it with Mark", m.SK)
		}
	}
	return nil
}

// claimUpdate is the conditional write of Claim. Placeholder names are
// never prefixes of one another (minidyn substitutes them textually).
func (s *Set) claimUpdate(sk string, prev State, c claimCall) *types.Update {
	now := s.clock.Now()
	set := "SET #cst = :cclaimed, #chd = :cholder, #cfn = :cfence, #cca = :cnow, #cgc = :cgc"
	names := map[string]string{"#cst": AttrState, "#chd": AttrHolder, "#cfn": AttrFence, "#cca": AttrClaimedAt, "#cgc": ddbattr.GC}
	vals := map[string]types.AttributeValue{
		":cclaimed": ddbattr.S(Claimed), ":cholder": ddbattr.S(s.lease.Holder()), ":cfence": ddbattr.N(s.lease.Fence()),
		":cnow": ddbattr.N(now.UnixMilli()), ":cgc": ddbattr.N(now.Add(s.retain).Unix()),
	}
	if s.scope {
		set += ", #csc = :cscope"
		names["#csc"], vals[":cscope"] = AttrScope, ddbattr.S(s.lease.Scope())
	}
	if c.items != nil {
		set += ", #cit = if_not_exists(#cit, :cids), #cni = :ccount"
		names["#cit"], names["#cni"] = AttrItems, AttrCount
		vals[":cids"], vals[":ccount"] = strList(c.items), ddbattr.N(int64(len(c.items)))
	}
	cond := claimCondition(prev, c.force, vals)
	return &types.Update{TableName: aws.String(s.table), Key: s.key(sk), UpdateExpression: aws.String(set),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
}

// claimCondition is the condition of a claim over prev, adding its values
// to vals.
func claimCondition(prev State, force bool, vals map[string]types.AttributeValue) string {
	if prev.State == Claimed {
		vals[":cdeadholder"], vals[":cdeadfence"] = ddbattr.S(prev.Holder), ddbattr.N(prev.Fence)
		return "#cst = :cclaimed AND #chd = :cdeadholder AND #cfn = :cdeadfence"
	}
	vals[":cfree"] = ddbattr.S(Free)
	if force {
		vals[":cdone"] = ddbattr.S(Done)
		return "attribute_not_exists(#cst) OR #cst = :cfree OR #cst = :cdone"
	}
	return "attribute_not_exists(#cst) OR #cst = :cfree"
}

// claimError maps what Transact returned: its items are the claim, then
// the marks.
func claimError(err error, marks []Mark) error {
	var canceled *lease.CanceledError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, lease.ErrChanged):
		return ErrConflict
	case !errors.As(err, &canceled):
		return err
	case canceled.Failed(0):
		return ErrConflict
	}
	var lost []string
	for k, m := range marks {
		if canceled.Failed(1 + k) {
			lost = append(lost, m.SK)
		}
	}
	if len(lost) > 0 {
		return &MarkError{SKs: lost, Err: lease.ErrNotHeld}
	}
	return err
}

func strList(ss []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(ss))
	for i, s := range ss {
		l[i] = ddbattr.S(s)
	}
	return &types.AttributeValueMemberL{Value: l}
}
