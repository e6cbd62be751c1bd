package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

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
