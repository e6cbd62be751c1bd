package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/lease"
)

const (
	table        = "ingest-normalize-e2e"
	dataBucket   = "e2e-data"
	configBucket = "e2e-config"
	client       = "e2e"
	model        = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	itemCount    = 60
)

// quota is the Bedrock quota of a test, in emulated minutes.
type quota struct {
	rpm, tpm int
	scale    float64 // TIME_SCALE of the emulator and of the Lambda
}

// stack is one set of in-process servers with seeded items.
type stack struct {
	t      *testing.T
	q      quota
	epoch  time.Time
	urls   struct{ dynamodb, s3, bedrock string }
	db     *dynamodb.Client
	s3     *s3.Client
	seeded sample.Seeded
}

// newStack starts DynamoDB, S3 and the Bedrock emulator, creates the table
// and buckets and seeds itemCount items.
func newStack(t *testing.T, q quota) *stack { return newStackN(t, q, itemCount) }

// newStackN is newStack with n items (the real ones first, then the
// sample items; all of them when n <= 0).
func newStackN(t *testing.T, q quota, n int) *stack {
	t.Helper()
	st := &stack{t: t, q: q, epoch: time.UnixMilli(time.Now().UnixMilli())}
	em, err := emulator.New(emulator.WithSettings(emulatorSettings(q)))
	if err != nil {
		t.Fatal(err)
	}
	st.urls.dynamodb = serve(t, localaws.DynamoDBHandler())
	st.urls.s3 = serve(t, localaws.S3Handler())
	st.urls.bedrock = serve(t, em)
	cfg, err := localaws.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.db, st.s3 = localaws.DynamoDB(cfg, st.urls.dynamodb), localaws.S3(cfg, st.urls.s3)
	st.prepare(n)
	return st
}

func emulatorSettings(q quota) emulator.Settings {
	s := emulator.DefaultSettings()
	s.Models = map[string]emulator.Quota{model: {RPM: q.rpm, TPM: q.tpm}}
	s.TimeScale = q.scale
	s.BurstMinutes = 0.25 // small, so that a budget that overshoots is throttled
	return s
}

func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (st *stack) prepare(n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := lease.CreateTable(ctx, st.db, table); err != nil {
		st.t.Fatal(err)
	}
	for _, b := range []string{dataBucket, configBucket} {
		if _, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			st.t.Fatal(err)
		}
	}
	items := sample.Items()
	if files := sample.RealData("."); len(files) > 0 {
		real, err := sample.LoadJSONL(files...)
		if err != nil {
			st.t.Fatal(err)
		}
		items = append(real, items...)
	}
	items, _ = sample.Select(items, n)
	seeded, err := sample.Seed(ctx, st.s3, dataBucket, client, items)
	if err != nil {
		st.t.Fatal(err)
	}
	if n > 0 && len(seeded.IDs) != n {
		st.t.Fatalf("seeded %d items, want %d", len(seeded.IDs), n)
	}
	st.seeded = seeded
}

// event is the invocation payload covering every seeded day.
func (st *stack) event() string {
	return fmt.Sprintf(`{"client_id":%q,"from_date":%q,"to_date":%q}`, client, st.seeded.From, st.seeded.To)
}

// lambdaEnv is the environment of the Lambda under every RIE of the stack.
func (st *stack) lambdaEnv(extra ...string) []string {
	env := []string{
		"AWS_REGION=eu-west-3", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_DYNAMODB=" + st.urls.dynamodb,
		"AWS_ENDPOINT_URL_S3=" + st.urls.s3,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME=" + st.urls.bedrock,
		"S3_FORCE_PATH_STYLE=true",
		"COORDINATION_TABLE=" + table, "DATA_BUCKET=" + dataBucket, "CONFIG_BUCKET=" + configBucket,
		"ENV_NAME=e2e", "BEDROCK_MODEL_ID=" + model, "BEDROCK_MAX_TOKENS=400",
		fmt.Sprintf("QUOTA_RPM=%d", st.q.rpm), fmt.Sprintf("QUOTA_TPM=%d", st.q.tpm),
		"LEASE_MAX_HOLDERS=0", "WORKER_CAP=4", "LOG_LEVEL=info",
		fmt.Sprintf("TIME_SCALE=%g", st.q.scale), fmt.Sprintf("TIME_EPOCH=%d", st.epoch.UnixMilli()),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60",
	}
	return append(env, extra...)
}

// now is the Lambda's scaled time.
func (st *stack) now() time.Time {
	return clock.Scaled{Epoch: st.epoch, Scale: st.q.scale}.Now()
}

func (st *stack) table() inspect.Table {
	st.t.Helper()
	t, err := inspect.ReadTable(context.Background(), st.db, table)
	if err != nil {
		st.t.Fatal(err)
	}
	return t
}

func (st *stack) records() inspect.Records {
	st.t.Helper()
	r, err := inspect.ReadRecords(context.Background(), st.s3, dataBucket, client)
	if err != nil {
		st.t.Fatal(err)
	}
	return r
}

func (st *stack) calls() emulator.Calls {
	st.t.Helper()
	s, err := emulator.ReadStats(context.Background(), st.urls.bedrock)
	if err != nil {
		st.t.Fatal(err)
	}
	return s.Sum()
}

// checkRecords fails unless every seeded item has exactly one record and
// no record belongs to an item that was not seeded.
func (st *stack) checkRecords(r inspect.Records) {
	st.t.Helper()
	want := map[string]bool{}
	for _, id := range st.seeded.IDs {
		want[id] = true
	}
	seen := map[string]int{}
	for _, rec := range r.Items {
		seen[rec.ItemID]++
		if !want[rec.ItemID] {
			st.t.Errorf("record %s is for an item that was not seeded", rec.Key)
		}
		if !strings.HasSuffix(rec.Key, "/"+rec.ItemID+".json") {
			st.t.Errorf("record %s carries item_id %q", rec.Key, rec.ItemID)
		}
	}
	for id := range want {
		if seen[id] != 1 {
			st.t.Errorf("item %s has %d records, want 1", id, seen[id])
		}
	}
}
