package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// claims are the (source, window) claims of one Run, a claim.Set of pk
// "ingest#<env>#<client>#<from>:<to>", sk "source#<source_key>", guarded
// by the lease and recording its scope. claims is safe for concurrent use.
type claims struct {
	set *claim.Set
}

func sourceSK(src string) string { return "source#" + src }

// take claims src for the lease. A free or missing claim is taken; with
// force a done one too; a claim whose holder is no longer live in its scope
// is taken over. It returns claim.ErrConflict (with the state seen) when
// another invocation holds or finished the source, and an error wrapping
// lease.ErrNotHeld when the lease is no longer current.
func (c claims) take(ctx context.Context, src string, force bool) (claim.State, error) {
	err := c.claim(ctx, src, claim.State{}, force)
	if !errors.Is(err, claim.ErrConflict) {
		return claim.State{}, err
	}
	seen, err := c.set.Read(ctx, sourceSK(src))
	if err != nil {
		return seen, fmt.Errorf("ingest: read claim %s: %w", src, err)
	}
	if seen.State != claim.Claimed {
		return seen, claim.ErrConflict
	}
	holders, err := c.set.HoldersOf(ctx, seen)
	if err != nil {
		return seen, fmt.Errorf("ingest: read scope %s: %w", seen.Scope, err)
	}
	if holders.Live(seen) {
		return seen, claim.ErrConflict
	}
	return seen, c.claim(ctx, src, seen, force, claim.Over(holders))
}

// claim writes the claim of src on condition that it is free (or done,
// with force) or, when prev is a claim, still held by prev's holder and
// fence.
func (c claims) claim(ctx context.Context, src string, prev claim.State, force bool, opts ...claim.ClaimOption) error {
	if force {
		opts = append(opts, claim.Force())
	}
	err := c.set.Claim(ctx, sourceSK(src), prev, opts...)
	if err == nil || errors.Is(err, claim.ErrConflict) {
		return err
	}
	return fmt.Errorf("ingest: claim %s: %w", src, err)
}

// finish marks src done (with the number of items it gave, and extra, the
// validators to remember, written in the same transaction) or free, on
// condition that this lease still holds it.
func (c claims) finish(ctx context.Context, src, state string, n int, extra *types.Update) error {
	err := c.set.Mark(ctx, claim.Mark{SK: sourceSK(src), State: state, Items: n, Also: extra})
	if err != nil {
		return fmt.Errorf("ingest: mark %s %s: %w", src, state, err)
	}
	return nil
}
