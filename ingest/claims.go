package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
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

// validators are what the last full fetch of a source for a client left to
// revalidate it: the HTTP validators and the window whose items it wrote.
// Item pk "ingest#<env>#<client>", sk "http#<source_key>".
type validators struct {
	URL          string
	ETag         string
	LastModified string
	From, To     string // the window written, YYYY-MM-DD
	Fetched      string // UTC day of the fetch
}

// covers reports whether a 304 to a request carrying v hides no item of the
// window [from, to]. The fetch wrote every item of [v.From, v.To]; when its
// window reached the day of the fetch, an unchanged feed has no item after
// it either, so it covers [v.From, ∞).
func (v validators) covers(url string, from, to time.Time) bool {
	if v.URL != url || v.ETag == "" && v.LastModified == "" {
		return false
	}
	f, err1 := time.Parse(time.DateOnly, v.From)
	t, err2 := time.Parse(time.DateOnly, v.To)
	d, err3 := time.Parse(time.DateOnly, v.Fetched)
	if err1 != nil || err2 != nil || err3 != nil || from.Before(f) {
		return false
	}
	return !to.After(t) || !t.Before(d)
}

// httpState reads and writes the validators of one client.
type httpState struct {
	db     DynamoDB
	table  string
	pk     string
	retain time.Duration
}

func (h httpState) key(src string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{ddbattr.PK: ddbattr.S(h.pk), ddbattr.SK: ddbattr.S("http#" + src)}
}

// read returns the validators of src; none when there are none.
func (h httpState) read(ctx context.Context, src string) (validators, error) {
	out, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), Key: h.key(src), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return validators{}, fmt.Errorf("ingest: read validators of %s: %w", src, err)
	}
	it := out.Item
	return validators{URL: ddbattr.GetS(it, "url"), ETag: ddbattr.GetS(it, "etag"), LastModified: ddbattr.GetS(it, "last_modified"),
		From: ddbattr.GetS(it, "from"), To: ddbattr.GetS(it, "to"), Fetched: ddbattr.GetS(it, "fetched")}, nil
}

// update returns the write that remembers v for src, for the transaction
// that marks the source done; nil when v has no validators.
func (h httpState) update(src string, v validators, now time.Time) *types.Update {
	if v.ETag == "" && v.LastModified == "" {
		return nil
	}
	return &types.Update{
		TableName: aws.String(h.table), Key: h.key(src),
		UpdateExpression: aws.String("SET #hurl = :hurl, #hetag = :hetag, #hlm = :hlm, #hfrom = :hfrom, " +
			"#hto = :hto, #hday = :hday, #hgc = :hgc"),
		ExpressionAttributeNames: map[string]string{"#hurl": "url", "#hetag": "etag", "#hlm": "last_modified",
			"#hfrom": "from", "#hto": "to", "#hday": "fetched", "#hgc": ddbattr.GC},
		ExpressionAttributeValues: map[string]types.AttributeValue{":hurl": ddbattr.S(v.URL), ":hetag": ddbattr.S(v.ETag),
			":hlm": ddbattr.S(v.LastModified), ":hfrom": ddbattr.S(v.From), ":hto": ddbattr.S(v.To), ":hday": ddbattr.S(v.Fetched),
			":hgc": ddbattr.N(now.Add(h.retain).Unix())},
	}
}
