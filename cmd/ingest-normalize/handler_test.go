package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/app"
	"github.com/vectora/ingest-normalize/internal/ddbcount"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// TestHandlerIngestsThenNormalizes wires the real handler to in-process
// servers and a feed: mode "both" fetches the client's feed into raw items
// and normalizes them in the same invocation; a second invocation with
// mode "normalize" has nothing left to do.
func TestHandlerIngestsThenNormalizes(t *testing.T) {
	day := time.Now().UTC().AddDate(0, 0, -1)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`)
		for i, title := range []string{"MedinCell reports <b>positive</b> phase 3 results for olanzapine LAI", "Camurus signs a partnership for a monthly buprenorphine depot"} {
			fmt.Fprintf(w, `<item><title>%s</title><link>https://example.com/%d</link><description>%s</description><pubDate>%s</pubDate></item>`,
				strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(title), i, "Long-acting injectable news, story "+fmt.Sprint(i)+".", day.Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	defer feed.Close()
	st := newStack(t)
	st.put("canonical/sources/source_catalog.yaml", fmt.Sprintf(`sources:
  - source_key: press_sector__feed
    source_type: press_sector
    ingestion_mode: rss
    rss_url: %s/rss
    enabled: true
    default_language: en
`, feed.URL))
	st.put("clients/acme.yaml", "client_id: acme\nextra_sources: [press_sector__feed]\n")
	h, ctx := st.handler, context.Background()
	event := json.RawMessage(`{"client_id":"acme","period_days":3}`)
	out, err := h.Handle(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if out.Ingest == nil || out.Response == nil || out.Counts.OK != 2 {
		body, _ := json.Marshal(out)
		t.Fatalf("want 2 items ingested and normalized in one invocation, got %s", body)
	}
	again, err := h.Handle(ctx, json.RawMessage(`{"client_id":"acme","period_days":3,"mode":"normalize"}`))
	if err != nil || again.Ingest != nil || again.Counts.AlreadyDone != 2 {
		body, _ := json.Marshal(again)
		t.Fatalf("mode normalize: want no ingestion and 2 already done, got %s, %v", body, err)
	}
	if _, err := h.Handle(ctx, json.RawMessage(`{"client_id":"acme","period_days":3,"mode":"fetch"}`)); err == nil ||
		!bytes.Contains([]byte(err.Error()), []byte("mode")) {
		t.Fatalf("an unknown mode: err = %v, want one naming the field", err)
	}
}

// stack is the handler on in-process servers, its DynamoDB requests
// counted, with an empty data bucket and a coordination table.
type stack struct {
	t        *testing.T
	handler  *Handler
	requests *ddbcount.Counter
	s3       *s3.Client
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ddb := httptest.NewServer(localaws.DynamoDBHandler())
	t.Cleanup(ddb.Close)
	s3srv := httptest.NewServer(localaws.S3Handler())
	t.Cleanup(s3srv.Close)
	emu, err := emulator.New(emulator.WithTimeScale(1000))
	if err != nil {
		t.Fatal(err)
	}
	bed := httptest.NewServer(emu)
	t.Cleanup(bed.Close)
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bed.URL, "AWS_REGION": "eu-west-3",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"COORDINATION_TABLE": "coord", "DATA_BUCKET": "data", "S3_FORCE_PATH_STYLE": "true",
			"LEASE_MAX_HOLDERS": "0", "QUOTA_RPM": "200", "QUOTA_TPM": "200000", "AWS_REGION": "eu-west-3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	awsCfg, err := localaws.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := &stack{t: t, s3: localaws.S3(awsCfg, s3srv.URL)}
	if _, err := st.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	db := localaws.DynamoDB(awsCfg, ddb.URL)
	if err := lease.CreateTable(ctx, db, "coord"); err != nil {
		t.Fatal(err)
	}
	st.requests = ddbcount.New(db) // after CreateTable: the handler's requests only
	clients := app.NewClients(awsCfg, cfg, true)
	clients.DynamoDB, clients.S3 = st.requests, st.s3
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	a, err := app.New(cfg, clients, app.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	st.handler = newHandler(a, log)
	return st
}

func (st *stack) put(key, body string) {
	st.t.Helper()
	if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		st.t.Fatal(err)
	}
}

// keys lists the data bucket.
func (st *stack) keys() []string {
	st.t.Helper()
	out, err := st.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("data")})
	if err != nil {
		st.t.Fatal(err)
	}
	keys := make([]string, len(out.Contents))
	for i, o := range out.Contents {
		keys[i] = aws.ToString(o.Key)
	}
	return keys
}

// TestHandlerValidatesBeforeAnyWrite is issue 15's item 5: an invalid
// event, whatever its mode, is refused before any DynamoDB request (the
// ingestion lease included) and any S3 write, with every field error and
// the errorType InvalidEvent.
func TestHandlerValidatesBeforeAnyWrite(t *testing.T) {
	st := newStack(t)
	st.put("canonical/sources/source_catalog.yaml", "sources: []\n")
	before := st.keys()
	for _, event := range []string{
		`{"client_id":"../../etc","period_days":7,"mode":"both"}`,
		`{"client_id":"../../etc","period_days":7,"mode":"ingest"}`,
		`{"client_id":"../../etc","period_days":7}`,
		`{"client_id":"acme","period_days":"7","mode":"both"}`,
		`{"client_id":"acme","period_days":7,"mode":"both","max_items":-1}`,
	} {
		_, err := st.handler.Invoke(context.Background(), json.RawMessage(event))
		if ie, ok := err.(messages.InvokeResponse_Error); !ok || ie.Type != ErrorInvalidEvent {
			t.Errorf("%s: err = %#v, want errorType %s", event, err, ErrorInvalidEvent)
		}
		if n := st.requests.Total(); n != 0 {
			t.Errorf("%s: %d DynamoDB requests (%s), want 0", event, n, st.requests)
		}
	}
	if after := st.keys(); len(after) != len(before) {
		t.Errorf("S3 keys %v after invalid events, want %v", after, before)
	}
	_, err := st.handler.Invoke(context.Background(), json.RawMessage(`{"client_id":42,"period_days":"x","mode":"fetch","max_items":-1}`))
	for _, field := range []string{`"client_id"`, `"period_days"`, `"mode"`, `"max_items"`} {
		if err == nil || !strings.Contains(err.(messages.InvokeResponse_Error).Message, field) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
}

// TestHandlerMissingConfiguration is issue 15's item 8: an event that asks
// for ingestion without a configuration fails with InvalidConfiguration,
// says what to upload and which mode to use instead, and writes nothing.
func TestHandlerMissingConfiguration(t *testing.T) {
	st := newStack(t)
	_, err := st.handler.Invoke(context.Background(), json.RawMessage(`{"client_id":"acme","period_days":7,"mode":"both"}`))
	if ie, ok := err.(messages.InvokeResponse_Error); !ok || ie.Type != ErrorInvalidConfiguration ||
		!strings.Contains(ie.Message, "canonical/sources/source_catalog.yaml is missing: upload") ||
		!strings.Contains(ie.Message, "ingest/testdata/source_catalog.yaml") || !strings.Contains(ie.Message, `"mode":"normalize"`) {
		t.Errorf("err = %#v, want InvalidConfiguration saying what to upload and which mode to use", err)
	}
	if n := st.requests.Total(); n != 0 {
		t.Errorf("%d DynamoDB requests (%s), want 0", n, st.requests)
	}
}
