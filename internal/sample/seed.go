package sample

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// Putter is the part of the S3 API that Seed calls. *s3.Client satisfies it.
type Putter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ Putter = (*s3.Client)(nil)

// Seeded describes what Seed wrote.
type Seeded struct {
	From, To string         // first and last day, YYYY-MM-DD
	Days     map[string]int // items per day
	IDs      []string       // item ids as the Lambda derives them, sorted
}

// Select returns the first n items (all when n <= 0) that the Lambda will
// accept, have a dated published_at and an item id not seen before, with
// the id each will be known by.
func Select(items []item.Raw, n int) ([]item.Raw, []string) {
	var out []item.Raw
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		if n > 0 && len(out) == n {
			break
		}
		id, ok := itemID(it)
		if !ok || seen[id] || !validDay(day(it)) {
			continue
		}
		seen[id] = true
		out = append(out, it)
		ids = append(ids, id)
	}
	return out, ids
}

// itemID parses one item as the Lambda does and returns its (possibly
// derived) id.
func itemID(it item.Raw) (string, bool) {
	data, err := json.Marshal([]item.Raw{it})
	if err != nil {
		return "", false
	}
	parsed, bad, err := item.ParseItems(data)
	if err != nil || len(bad) > 0 || len(parsed) != 1 {
		return "", false
	}
	return parsed[0].ItemID, true
}

func validDay(d string) bool {
	_, err := time.Parse("2006-01-02", d)
	return err == nil
}

// Seed selects items as Select does and writes them, grouped by day, to
// ingested/<clientID>/<YYYY>/<MM>/<DD>/items.json in bucket.
func Seed(ctx context.Context, api Putter, bucket, clientID string, items []item.Raw) (Seeded, error) {
	items, ids := Select(items, 0)
	byDay := map[string][]item.Raw{}
	for _, it := range items {
		byDay[day(it)] = append(byDay[day(it)], it)
	}
	s := Seeded{Days: map[string]int{}, IDs: ids}
	sort.Strings(s.IDs)
	for date, list := range byDay {
		if err := putDay(ctx, api, bucket, clientID, date, list); err != nil {
			return s, err
		}
		s.Days[date] = len(list)
		if s.From == "" || date < s.From {
			s.From = date
		}
		if date > s.To {
			s.To = date
		}
	}
	return s, nil
}

func putDay(ctx context.Context, api Putter, bucket, clientID, date string, items []item.Raw) error {
	d, _ := time.Parse("2006-01-02", date)
	key, err := item.InputKey(clientID, d)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(items, "", " ")
	if err != nil {
		return err
	}
	_, err = api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("sample: put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
