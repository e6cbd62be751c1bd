package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// holdPut holds the first PutObject of key until release is closed, after
// closing reached: the caller's listing is then as old as it gets.
type holdPut struct {
	pipeline.S3
	key     string
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

func (h *holdPut) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Key) == h.key {
		h.once.Do(func() {
			close(h.reached)
			<-h.release
		})
	}
	return h.S3.PutObject(ctx, in, o...)
}

// TestStaleDayFileDoesNotOverwrite: of two runs over one day, the one
// with the older listing (8 items; ingestion then added 4) writes its day
// file last. The day file still holds all 12 records: the stale write is
// refused (412) and the run assembles the day again.
func TestStaleDayFileDoesNotOverwrite(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(8, 1)
	const day = "normalized/acme/2025/12/15/items.json"
	hold := &holdPut{S3: f.S3, key: day, reached: make(chan struct{}), release: make(chan struct{})}
	type result struct {
		resp *pipeline.Response
		err  error
	}
	first := make(chan result, 1)
	go func() {
		r, err := f.Pipeline(nil, hold, 0).Run(f.Context(60*time.Second), ev, pipeline.As("older"))
		first <- result{r, err}
	}()
	select {
	case <-hold.reached:
	case r := <-first:
		t.Fatalf("the first run ended before writing its day file: %+v %v", r.resp, r.err)
	}

	f.Seed(12, 1) // ingestion added 4 items to the day
	newer, err := f.Pipeline(nil, nil, 0).Run(f.Context(60*time.Second), ev, pipeline.As("newer"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("newer: %s", newer.Message)
	close(hold.release)
	older := <-first
	if older.err != nil {
		t.Fatalf("older: %v", older.err)
	}
	t.Logf("older: %s", older.resp.Message)

	var recs []struct {
		ItemID string `json:"item_id"`
	}
	if err := json.Unmarshal(f.Get(day), &recs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ItemID)
	}
	if len(recs) != 12 {
		t.Errorf("day file holds %d records (%s), want 12", len(recs), strings.Join(ids, " "))
	}
}
