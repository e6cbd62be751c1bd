package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// ErrStale is returned when an output was written by a holder with a higher
// fence: a stale holder never overwrites a newer result.
var ErrStale = errors.New("normalize: output written by a newer holder")

// ErrDayChanged is returned when a day file was written by someone else
// every time this invocation assembled it: the day is left to them.
var ErrDayChanged = errors.New("normalize: day file kept changing")

// Metadata keys of a per-item output object.
const (
	metaFence  = "fence"
	metaHash   = "content-hash"
	metaStatus = "status"
)

// casAttempts bounds the compare-and-set loop of one output.
const casAttempts = 4

// output is a per-item object as seen by HEAD.
type output struct {
	found  bool
	etag   string
	fence  int64
	hash   string
	status normalize.Status
}

// usable reports whether the output already holds a usable record of an item
// with content hash hash.
func (o output) usable(hash string) bool {
	return o.found && o.hash == hash && (o.status == normalize.StatusOK || o.status == normalize.StatusFallback)
}

// sink writes the records of one lease holder into the data bucket, with a
// fencing compare-and-set: it never overwrites an output written under a
// higher fence, and refuses to write once its lease is no longer valid.
// sink is safe for concurrent use.
type sink struct {
	s3     S3
	bucket string
	lease  *lease.Lease
}

// head returns the output at key, or found=false when there is none.
func (s *sink) head(ctx context.Context, key string) (output, error) {
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if isStatus(err, 404) {
		return output{}, nil
	}
	if err != nil {
		return output{}, fmt.Errorf("normalize: head %s: %w", key, err)
	}
	md := lower(out.Metadata)
	fence, _ := strconv.ParseInt(md[metaFence], 10, 64)
	return output{found: true, etag: aws.ToString(out.ETag), fence: fence, hash: md[metaHash],
		status: normalize.Status(md[metaStatus])}, nil
}

// write stores rec at key. prev is the output as last seen by head; when it
// changed meanwhile, write looks again and retries, at most casAttempts
// times. It returns ErrStale when a higher fence holds the key and an error
// wrapping lease.ErrNotHeld when the lease is no longer valid.
func (s *sink) write(ctx context.Context, key string, rec normalize.Record, prev output) error {
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("normalize: encode %s: %w", key, err)
	}
	for range casAttempts {
		if !s.lease.Valid() {
			return fmt.Errorf("normalize: write %s: %w", key, lease.ErrNotHeld)
		}
		if prev.found && prev.fence > s.lease.Fence() {
			return fmt.Errorf("normalize: write %s (fence %d, found %d): %w", key, s.lease.Fence(), prev.fence, ErrStale)
		}
		err = s.put(ctx, key, body, rec, prev)
		if !isPrecondition(err) {
			return err
		}
		if prev, err = s.head(ctx, key); err != nil {
			return err
		}
	}
	return fmt.Errorf("normalize: write %s: output kept changing: %w", key, ErrStale)
}

func (s *sink) put(ctx context.Context, key string, body []byte, rec normalize.Record, prev output) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
		Metadata: map[string]string{metaFence: strconv.FormatInt(s.lease.Fence(), 10),
			metaHash: rec.ContentHash, metaStatus: string(rec.Status)},
	}
	return s.putIf(ctx, in, prev)
}

// putIf writes in on condition that the object is still prev: If-Match on
// its ETag, or If-None-Match: * when there was none. A changed object
// fails with 412 PreconditionFailed (409 when two conditional writes
// race), for which isPrecondition holds.
func (s *sink) putIf(ctx context.Context, in *s3.PutObjectInput, prev output) error {
	if prev.found {
		in.IfMatch = aws.String(prev.etag)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	if _, err := s.s3.PutObject(ctx, in); err != nil {
		return fmt.Errorf("normalize: put %s: %w", aws.ToString(in.Key), err)
	}
	return nil
}

// assemble writes the day file at dayKey: the records under prefix as one
// JSON array sorted by item_id. The result depends only on the records, so
// two invocations assembling at once write the same file. The write is
// conditioned on the day file as it was before the listing: when another
// invocation wrote it meanwhile (its listing may be newer), the day is
// assembled again, at most casAttempts times, so that a stale listing
// never overwrites a newer one.
func (s *sink) assemble(ctx context.Context, prefix, dayKey string) (int, error) {
	for range casAttempts {
		prev, err := s.head(ctx, dayKey)
		if err != nil {
			return 0, err
		}
		body, n, err := s.dayFile(ctx, prefix)
		if err != nil {
			return 0, err
		}
		if !s.lease.Valid() {
			return 0, fmt.Errorf("normalize: write %s: %w", dayKey, lease.ErrNotHeld)
		}
		err = s.putIf(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(dayKey),
			Body: bytes.NewReader(body), ContentType: aws.String("application/json")}, prev)
		if err == nil {
			return n, nil
		}
		if !isPrecondition(err) {
			return 0, err
		}
	}
	return 0, fmt.Errorf("normalize: day file %s: written by another invocation each of %d times it was assembled: %w", dayKey, casAttempts, ErrDayChanged)
}

// dayFile reads the records under prefix and returns the day file they
// make and how many they are.
func (s *sink) dayFile(ctx context.Context, prefix string) ([]byte, int, error) {
	keys, err := s.list(ctx, prefix)
	if err != nil {
		return nil, 0, err
	}
	type rec struct {
		id  string
		raw json.RawMessage
	}
	recs := make([]rec, 0, len(keys))
	for _, k := range keys {
		raw, err := s.get(ctx, k)
		if err != nil {
			return nil, 0, err
		}
		var head struct {
			ItemID string `json:"item_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, 0, fmt.Errorf("normalize: decode %s: %w", k, err)
		}
		recs = append(recs, rec{head.ItemID, raw})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].id < recs[j].id })
	arr := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		arr[i] = r.raw
	}
	body, err := json.Marshal(arr)
	return body, len(recs), err
}

// exists reports whether key exists.
func (s *sink) exists(ctx context.Context, key string) (bool, error) {
	o, err := s.head(ctx, key)
	return o.found, err
}

func (s *sink) list(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)}
	for {
		out, err := s.s3.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("normalize: list %s: %w", prefix, err)
		}
		for _, o := range out.Contents {
			if k := aws.ToString(o.Key); strings.HasSuffix(k, ".json") {
				keys = append(keys, k)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return keys, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

func (s *sink) get(ctx context.Context, key string) ([]byte, error) {
	return getObject(ctx, s.s3, s.bucket, key, item.MaxItemsFileBytes)
}
