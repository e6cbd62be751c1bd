package normalize

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// The pipeline tests use real SDK clients against in-process servers:
// minidyn (or AWS_ENDPOINT_URL_DYNAMODB), gofakes3 (or AWS_ENDPOINT_URL_S3)
// and the Bedrock emulator, with every clock 100 times faster than the wall.
const (
	testModel = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	testScale = 100
)

var (
	servers   sync.Once
	testDB    *dynamodb.Client
	testS3    *s3.Client
	fixtureID atomic.Int64
)

func startServers(t *testing.T) {
	t.Helper()
	servers.Do(func() {
		cfg, err := localaws.Config(context.Background())
		if err != nil {
			panic(err)
		}
		dbURL, _ := localaws.Endpoint("AWS_ENDPOINT_URL_DYNAMODB", localaws.DynamoDBHandler)
		s3URL, _ := localaws.Endpoint("AWS_ENDPOINT_URL_S3", localaws.S3Handler)
		testDB, testS3 = localaws.DynamoDB(cfg, dbURL), localaws.S3(cfg, s3URL)
	})
}

// fixture is one test's table, bucket, emulator and clock.
type fixture struct {
	t       *testing.T
	table   string
	bucket  string
	emu     *emulator.Server
	api     *bedrockruntime.Client
	clock   clock.Scaled
	quota   emulator.Quota
	budgets []*lease.Budget
}

func newFixture(t *testing.T, opts ...emulator.Option) *fixture {
	t.Helper()
	startServers(t)
	id := fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, fixtureID.Add(1))
	f := &fixture{t: t, table: "coord-" + id, bucket: "data-" + id,
		clock: clock.Scaled{Epoch: time.Now(), Scale: testScale},
		quota: emulator.Quota{RPM: 200, TPM: 200_000}}
	ctx := context.Background()
	if err := lease.CreateTable(ctx, testDB, f.table); err != nil {
		t.Fatal(err)
	}
	if _, err := testS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(f.bucket)}); err != nil {
		t.Fatal(err)
	}
	lat := emulator.DefaultLatency()
	lat.FirstToken = emulator.Duration(500 * time.Millisecond)
	opts = append([]emulator.Option{emulator.WithTimeScale(testScale), emulator.WithModel(testModel, f.quota),
		emulator.WithLatency(lat), emulator.WithSeed(7)}, opts...)
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

// pipeline builds a pipeline as cmd/ingest-normalize does, over db and s3
// (the fixture's clients unless the test wraps them).
func (f *fixture) pipeline(db DynamoDB, s3c S3, maxHolders int, opts ...Option) *Pipeline {
	f.t.Helper()
	if db == nil {
		db = testDB
	}
	if s3c == nil {
		s3c = testS3
	}
	db = Counting(db)
	m, err := lease.NewManager(db, f.table, lease.WithMaxHolders(maxHolders), lease.WithTTL(60*time.Second), lease.WithSkew(5*time.Second),
		lease.WithClock(f.clock), lease.WithPoll(time.Second, 5*time.Second))
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := lease.NewBudget(db, f.table, "eu-west-3/"+testModel, "test", lease.WithBudgetClock(f.clock),
		lease.WithLimits(lease.Limits{RPM: float64(f.quota.RPM), TPM: float64(f.quota.TPM), Burst: 60_000}),
		lease.WithEnvLimit(lease.EnvLimit{Cap: 1}))
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := bedrock.New(f.api, testModel, bedrock.Shared(b), bedrock.WithBackoff(20*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		f.t.Fatal(err)
	}
	f.budgets = append(f.budgets, b)
	opts = append([]Option{WithBudget(b), WithClock(f.clock), WithLogger(quietLogger(f.t))}, opts...)
	p, err := NewPipeline(db, s3c, m, c, f.table, f.bucket, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// quietLogger logs to the test log only with -v.
func quietLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return slog.New(slog.NewJSONHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(b)))
	return len(b), nil
}

func (f *fixture) put(key string, body []byte) {
	f.t.Helper()
	_, err := testS3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) get(key string) []byte {
	f.t.Helper()
	data, err := getObject(context.Background(), testS3, f.bucket, key, MaxItemsFileBytes)
	if err != nil {
		f.t.Fatal(err)
	}
	return data
}

// keys lists the bucket.
func (f *fixture) keys() []string {
	f.t.Helper()
	s := &sink{s3: testS3, bucket: f.bucket}
	var out []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket)}
	for {
		page, err := s.s3.ListObjectsV2(context.Background(), in)
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

// seed writes n items spread over days days starting 2025-12-15, as JSON
// arrays, and returns the event covering them.
func (f *fixture) seed(n, days int) Event {
	f.t.Helper()
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
		f.put(fmt.Sprintf("ingested/acme/2025/12/%02d/items.json", 15+d), body)
	}
	return Event{ClientID: "acme", FromDate: "2025-12-15", ToDate: fmt.Sprintf("2025-12-%02d", 15+days-1)}
}

// records reads every per-item record under the client's prefix.
func (f *fixture) records(client string) map[string]Record {
	f.t.Helper()
	out := map[string]Record{}
	for _, k := range f.keys() {
		if !bytes.Contains([]byte(k), []byte("/items/")) || !bytes.HasPrefix([]byte(k), []byte("normalized/"+client+"/")) {
			continue
		}
		var r Record
		if err := json.Unmarshal(f.get(k), &r); err != nil {
			f.t.Fatalf("%s: %v", k, err)
		}
		if _, dup := out[r.ItemID]; dup {
			f.t.Errorf("two records for %s", r.ItemID)
		}
		out[r.ItemID] = r
	}
	return out
}

func (f *fixture) stats() emulator.ModelStats { return f.emu.Stats().Models[testModel] }

// leftHolders returns the holders still in the scope record.
func (f *fixture) leftHolders(scope string) int {
	f.t.Helper()
	out, err := testDB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.table),
		Key: scopeRecordKey(scope), ConsistentRead: aws.Bool(true)})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(decodeHolders(out.Item))
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// scopeRecordKey is the key of package lease's scope record, read here
// directly, as an independent observer.
func scopeRecordKey(scope string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{ddbattr.PK: ddbattr.S("scope#" + scope), ddbattr.SK: ddbattr.S("lease")}
}

// decodeHolders returns the expiry of each holder entry of a scope record
// (instants in microseconds; the "-" entry keeps the map non-empty).
func decodeHolders(item map[string]types.AttributeValue) map[string]time.Time {
	holders := map[string]time.Time{}
	hs, _ := item["holders"].(*types.AttributeValueMemberM)
	if hs == nil {
		return holders
	}
	for id, v := range hs.Value {
		if h, ok := v.(*types.AttributeValueMemberM); ok && id != "-" {
			holders[id] = time.UnixMicro(ddbattr.GetN(h.Value, "expires"))
		}
	}
	return holders
}
