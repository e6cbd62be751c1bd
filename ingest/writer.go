package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// casAttempts bounds the compare-and-set loop of one day file.
const casAttempts = 6

// DayResult is what one day file received.
type DayResult struct {
	Day        string `json:"day"`
	Key        string `json:"key"`
	Added      int    `json:"added"`
	Replaced   int    `json:"replaced"`
	Duplicates int    `json:"duplicates,omitempty"` // content already there under another id
	Total      int    `json:"total"`
}

// writer merges items into the day files of the data bucket with a
// compare-and-set (If-Match / If-None-Match), so that concurrent writers
// lose nothing. It refuses to write once the lease is no longer valid.
// writer is safe for concurrent use.
type writer struct {
	s3     S3
	bucket string
	lease  *lease.Lease
}

// write merges items (all of day) into the day file of clientID.
func (w writer) write(ctx context.Context, clientID string, day time.Time, items []Item) (DayResult, error) {
	key, err := item.InputKey(clientID, day)
	if err != nil {
		return DayResult{}, err
	}
	res := DayResult{Day: day.Format(time.DateOnly), Key: key}
	for range casAttempts {
		old, etag, err := w.get(ctx, key)
		if err != nil {
			return res, err
		}
		body, m, err := merge(old, items)
		if err != nil {
			return res, fmt.Errorf("ingest: merge into %s: %w", key, err)
		}
		res.Added, res.Replaced, res.Duplicates, res.Total = m.added, m.replaced, m.dups, m.total
		if m.added+m.replaced == 0 {
			return res, nil
		}
		if !w.lease.Valid() {
			return res, fmt.Errorf("ingest: write %s: %w", key, lease.ErrNotHeld)
		}
		if err = w.put(ctx, key, body, etag); !isPrecondition(err) {
			return res, err
		}
	}
	return res, fmt.Errorf("ingest: write %s: the file kept changing", key)
}

// get returns the day file and its ETag, or nothing when it does not exist.
func (w writer) get(ctx context.Context, key string) ([]byte, string, error) {
	return getObject(ctx, w.s3, w.bucket, key, item.MaxItemsFileBytes)
}

func (w writer) put(ctx context.Context, key string, body []byte, etag string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json")}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := w.s3.PutObject(ctx, in); err != nil {
		return fmt.Errorf("ingest: put s3://%s/%s: %w", w.bucket, key, err)
	}
	return nil
}

// merged counts what merge did.
type merged struct{ added, replaced, dups, total int }

// merge adds items to the day file old (a JSON array or JSON Lines; empty
// when there is none) and returns the new file, a JSON array sorted by
// item_id, one item a line. An item whose id is there replaces it when its
// content hash differs; an item whose content hash is there under another id
// is left out. Existing elements are kept byte for byte.
func merge(old []byte, items []Item) ([]byte, merged, error) {
	elems, err := splitDay(old)
	if err != nil {
		return nil, merged{}, err
	}
	type head struct {
		ID   string `json:"item_id"`
		Hash string `json:"content_hash"`
	}
	heads := make([]head, len(elems))
	byID, hashes := map[string]int{}, map[string]bool{}
	for i, e := range elems {
		_ = json.Unmarshal(e, &heads[i])
		byID[heads[i].ID], hashes[heads[i].Hash] = i, true
	}
	var m merged
	for _, it := range items {
		raw, err := json.Marshal(it)
		if err != nil {
			return nil, m, err
		}
		i, found := byID[it.ItemID]
		switch {
		case found && heads[i].Hash == it.ContentHash:
		case found:
			elems[i], heads[i].Hash = raw, it.ContentHash
			m.replaced++
		case hashes[it.ContentHash]:
			m.dups++
		default:
			byID[it.ItemID], hashes[it.ContentHash] = len(elems), true
			elems, heads = append(elems, raw), append(heads, head{it.ItemID, it.ContentHash})
			m.added++
		}
	}
	order := make([]int, len(elems))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return heads[order[a]].ID < heads[order[b]].ID })
	m.total = len(elems)
	return joinItems(elems, order), m, nil
}

// splitDay returns the elements of a day file through the parser
// normalization reads it with (item.Split), refusing a file with lines it
// cannot keep: rewriting it would drop them.
func splitDay(data []byte) ([]json.RawMessage, error) {
	raws, bad, err := item.Split(data)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %v", item.ErrMalformedItems, bad[0])
	}
	return slices.DeleteFunc(raws, func(r json.RawMessage) bool { return r == nil }), nil
}

func joinItems(elems []json.RawMessage, order []int) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for n, i := range order {
		if n > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		json.Compact(&b, elems[i])
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// getObject reads at most limit bytes of an object and its ETag; a missing
// object gives no data and no error.
func getObject(ctx context.Context, api S3, bucket, key string, limit int64) ([]byte, string, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("ingest: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("ingest: read s3://%s/%s: %w", bucket, key, err)
	}
	if int64(len(data)) > limit {
		return nil, "", fmt.Errorf("ingest: s3://%s/%s is larger than %d bytes", bucket, key, limit)
	}
	return data, aws.ToString(out.ETag), nil
}

func isNotFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return true
	}
	return httpStatus(err) == 404
}

// isPrecondition reports a failed If-Match / If-None-Match.
func isPrecondition(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "ConditionalRequestConflict") {
		return true
	}
	s := httpStatus(err)
	return s == 412 || s == 409
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
