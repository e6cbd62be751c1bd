package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
)

const (
	testModel = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	pipeScale = 100
)

// fixture is one pipeline test's stack, bucket, emulator and clock, set
// up as normalize's own tests do (normalize/harness_test.go).
type fixture struct {
	t      *testing.T
	st     *stack
	bucket string
	s3     *s3.Client
	emu    *emulator.Server
	api    *bedrockruntime.Client
	clock  clock.Scaled
	quota  emulator.Quota
}

func newFixture(t *testing.T, rates faultproxy.Rates, opts ...emulator.Option) *fixture {
	t.Helper()
	if rates.SpikeLatency == 0 {
		// A spike of 2 s on the test clock. The proxy's default, 200 ms of
		// wall time, would be 20 s here: longer than the 10 s a run gives
		// its release, so a spike there left a holder behind until expiry.
		rates.SpikeLatency = 2 * time.Second / pipeScale
	}
	f := &fixture{t: t, st: newStack(t, rates, 20*time.Millisecond), s3: sharedS3(t),
		clock: clock.Scaled{Epoch: time.Now(), Scale: pipeScale}, quota: emulator.Quota{RPM: 400, TPM: 400_000}}
	f.bucket = "data-" + strings.TrimPrefix(f.st.table, "chaos-")
	if _, err := f.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(f.bucket)}); err != nil {
		t.Fatal(err)
	}
	lat := emulator.DefaultLatency()
	lat.FirstToken = emulator.Duration(500 * time.Millisecond)
	opts = append([]emulator.Option{emulator.WithTimeScale(pipeScale), emulator.WithModel(testModel, f.quota),
		emulator.WithLatency(lat), emulator.WithSeed(11)}, opts...)
	emu, err := emulator.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	f.emu = emu
	f.api = bedrockruntime.NewFromConfig(aws.Config{Region: "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return f
}

// pipeline builds a pipeline as cmd/ingest-normalize does, over db (the
// faulty client unless given) and S3.
func (f *fixture) pipeline(db normalize.DynamoDB, s3c normalize.S3, opts ...normalize.Option) *normalize.Pipeline {
	f.t.Helper()
	if db == nil {
		db = f.st.via
	}
	if s3c == nil {
		s3c = f.s3
	}
	db = normalize.Counting(db)
	m, err := lease.NewManager(db, f.st.table, lease.WithMaxHolders(0), lease.WithTTL(60*time.Second), lease.WithSkew(5*time.Second),
		lease.WithClock(f.clock), lease.WithPoll(time.Second, 5*time.Second))
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := budget.New(db, f.st.table, "eu-west-3/"+testModel, "test", budget.WithClock(f.clock),
		budget.WithLimits(budget.Limits{RPM: float64(f.quota.RPM), TPM: float64(f.quota.TPM), Burst: 60_000}))
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := bedrock.New(f.api, testModel, b, bedrock.WithBackoff(20*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		f.t.Fatal(err)
	}
	opts = append([]normalize.Option{normalize.WithBudget(b), normalize.WithClock(f.clock),
		normalize.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)))}, opts...)
	p, err := normalize.NewPipeline(db, s3c, m, c, f.st.table, f.bucket, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// seed writes n items over days days from 2025-12-15 and returns the
// event covering them.
func (f *fixture) seed(n, days int) normalize.Event {
	f.t.Helper()
	byDay := make([][]map[string]string, days)
	for i := range n {
		d := i % days
		byDay[d] = append(byDay[d], map[string]string{
			"item_id": fmt.Sprintf("news-%03d", i), "source_key": "wire", "source_type": "rss",
			"title":        fmt.Sprintf("Acme Pharma reports phase 3 results for item %d", i),
			"content":      fmt.Sprintf("Acme Pharma said that its long-acting injectable paliperidone met the primary endpoint (trial %d).", i),
			"published_at": fmt.Sprintf("2025-12-%02dT08:00:00Z", 15+d), "language": "en",
		})
	}
	for d, items := range byDay {
		body, _ := json.Marshal(items)
		f.put(fmt.Sprintf("ingested/acme/2025/12/%02d/items.json", 15+d), body)
	}
	return normalize.Event{ClientID: "acme", FromDate: "2025-12-15", ToDate: fmt.Sprintf("2025-12-%02d", 15+days-1)}
}

func (f *fixture) put(key string, body []byte) {
	f.t.Helper()
	_, err := f.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		f.t.Fatal(err)
	}
}

// keys lists the bucket.
func (f *fixture) keys() []string {
	f.t.Helper()
	var out []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket)}
	for {
		page, err := f.s3.ListObjectsV2(context.Background(), in)
		if err != nil {
			f.t.Fatal(err)
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

// records reads every per-item record of client; dup counts item ids with
// more than one record.
func (f *fixture) records(client string) (recs map[string]normalize.Record, dup int) {
	f.t.Helper()
	recs = map[string]normalize.Record{}
	for _, k := range f.keys() {
		if !strings.HasPrefix(k, "normalized/"+client+"/") || !strings.Contains(k, "/items/") {
			continue
		}
		out, err := f.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(k)})
		if err != nil {
			f.t.Fatal(err)
		}
		var r normalize.Record
		err = json.NewDecoder(out.Body).Decode(&r)
		out.Body.Close()
		if err != nil {
			f.t.Fatalf("%s: %v", k, err)
		}
		if _, ok := recs[r.ItemID]; ok {
			dup++
		}
		recs[r.ItemID] = r
	}
	return recs, dup
}

// holders returns the entries left in the pipeline's scope record.
func (f *fixture) holders() int {
	f.t.Helper()
	m, err := lease.NewManager(f.st.direct, f.st.table)
	if err != nil {
		f.t.Fatal(err)
	}
	_, hs, err := m.Holders(context.Background(), "ingest-normalize/dev")
	if err != nil {
		f.t.Fatal(err)
	}
	return len(hs)
}

func (f *fixture) ctx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	f.t.Cleanup(cancel)
	return ctx
}
