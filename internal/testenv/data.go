package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// Seed writes n items spread over days days starting 2025-12-15, as JSON
// arrays, and returns the event covering them.
func (f *Fixture) Seed(n, days int) item.Event {
	f.T.Helper()
	byDay := make([][]map[string]string, days)
	for i := range n {
		d := i % days
		byDay[d] = append(byDay[d], map[string]string{
			"item_id": fmt.Sprintf("news-%03d", i), "source_key": "wire", "source_type": "rss",
			"title":        fmt.Sprintf("Acme Pharma reports phase 3 results for item %d", i),
			"content":      fmt.Sprintf("Acme Pharma said on Monday that its long-acting injectable paliperidone met the primary endpoint in schizophrenia (trial %d).", i),
			"published_at": fmt.Sprintf("2025-12-%02dT08:00:00Z", 15+d), "language": "en",
		})
	}
	for d, items := range byDay {
		body, _ := json.Marshal(items)
		f.Put(fmt.Sprintf("ingested/acme/2025/12/%02d/items.json", 15+d), body)
	}
	return item.Event{ClientID: "acme", FromDate: "2025-12-15", ToDate: fmt.Sprintf("2025-12-%02d", 15+days-1)}
}

// Put writes an object into the fixture's bucket.
func (f *Fixture) Put(key string, body []byte) {
	f.T.Helper()
	_, err := f.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(f.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		f.T.Fatal(err)
	}
}

// Get reads an object of the fixture's bucket.
func (f *Fixture) Get(key string) []byte {
	f.T.Helper()
	out, err := f.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(f.Bucket), Key: aws.String(key)})
	if err != nil {
		f.T.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		f.T.Fatalf("get %s: %v", key, err)
	}
	return data
}

// Keys lists the bucket, sorted.
func (f *Fixture) Keys() []string {
	f.T.Helper()
	var out []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(f.Bucket)}
	for {
		page, err := f.S3.ListObjectsV2(context.Background(), in)
		if err != nil {
			f.T.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
		if !aws.ToBool(page.IsTruncated) {
			sort.Strings(out)
			return out
		}
		in.ContinuationToken = page.NextContinuationToken
	}
}

// Records reads every per-item record of client, by item id; dup counts
// the item ids that have more than one record.
func (f *Fixture) Records(client string) (recs map[string]normalize.Record, dup int) {
	f.T.Helper()
	recs = map[string]normalize.Record{}
	for _, k := range f.Keys() {
		if !strings.HasPrefix(k, item.NormalizedPrefix+client+"/") || !strings.Contains(k, "/items/") {
			continue
		}
		var r normalize.Record
		if err := json.Unmarshal(f.Get(k), &r); err != nil {
			f.T.Fatalf("%s: %v", k, err)
		}
		if _, ok := recs[r.ItemID]; ok {
			dup++
		}
		recs[r.ItemID] = r
	}
	return recs, dup
}

// LeftHolders returns how many holder entries, live or not, the scope
// record still lists, read with the observer's client.
func (f *Fixture) LeftHolders(scope string) int {
	f.T.Helper()
	m, err := lease.NewManager(f.Direct, f.Table)
	if err != nil {
		f.T.Fatal(err)
	}
	_, hs, err := m.Holders(context.Background(), scope)
	if err != nil {
		f.T.Fatal(err)
	}
	return len(hs)
}
