package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/normalize"
)

// Bucket is the part of the S3 API that ReadRecords calls.
type Bucket interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ Bucket = (*s3.Client)(nil)

// Record is one normalized record (package normalize's) as read from the
// bucket, with its key and the object's ETag and modification time.
type Record struct {
	normalize.Record
	Key      string    `json:"-"`
	ETag     string    `json:"-"`
	Modified time.Time `json:"-"`
}

// Records is a snapshot of normalized/<client>/.
type Records struct {
	Items    []Record // per-item records, by key
	DayFiles []string // keys of the assembled day files
}

// ReadRecords lists normalized/<client>/ and reads every per-item record.
func ReadRecords(ctx context.Context, api Bucket, bucket, client string) (Records, error) {
	var r Records
	var keys []string
	p := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("normalized/" + client + "/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return r, fmt.Errorf("inspect: list s3://%s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			switch {
			case path.Base(path.Dir(k)) == "items" && strings.HasSuffix(k, ".json"):
				keys = append(keys, k)
			case path.Base(k) == "items.json":
				r.DayFiles = append(r.DayFiles, k)
			}
		}
	}
	items, err := getAll(ctx, api, bucket, keys)
	r.Items = items
	return r, err
}

// getAll reads the records eight at a time.
func getAll(ctx context.Context, api Bucket, bucket string, keys []string) ([]Record, error) {
	out := make([]Record, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = get(ctx, api, bucket, k)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func get(ctx context.Context, api Bucket, bucket, key string) (Record, error) {
	obj, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return Record{}, fmt.Errorf("inspect: get %s: %w", key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		return Record{}, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return Record{}, fmt.Errorf("inspect: %s: %w", key, err)
	}
	rec.Key, rec.ETag, rec.Modified = key, aws.ToString(obj.ETag), aws.ToTime(obj.LastModified)
	return rec, nil
}

// ByHolder counts records by the holder that wrote them.
func (r Records) ByHolder() map[string]int {
	return r.count(func(x Record) string { return x.Run.HolderID })
}

// ByStatus counts records by normalization_status.
func (r Records) ByStatus() map[string]int {
	return r.count(func(x Record) string { return string(x.Status) })
}

func (r Records) count(key func(Record) string) map[string]int {
	m := map[string]int{}
	for _, x := range r.Items {
		m[key(x)]++
	}
	return m
}
