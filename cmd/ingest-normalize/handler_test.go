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

	"github.com/vectora/ingest-normalize/bedrock/emulator"
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
	ddb := httptest.NewServer(localaws.DynamoDBHandler())
	defer ddb.Close()
	s3srv := httptest.NewServer(localaws.S3Handler())
	defer s3srv.Close()
	emu, err := emulator.New(emulator.WithTimeScale(1000))
	if err != nil {
		t.Fatal(err)
	}
	bed := httptest.NewServer(emu)
	defer bed.Close()
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": ddb.URL, "AWS_ENDPOINT_URL_S3": s3srv.URL,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bed.URL, "AWS_REGION": "eu-west-3",
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
	if err := lease.CreateTable(ctx, localaws.DynamoDB(awsCfg, ddb.URL), "coord"); err != nil {
		t.Fatal(err)
	}
	s3c := localaws.S3(awsCfg, s3srv.URL)
	put := func(key, body string) {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	put("canonical/sources/source_catalog.yaml", fmt.Sprintf(`sources:
  - source_key: press_sector__feed
    source_type: press_sector
    ingestion_mode: rss
    rss_url: %s/rss
    enabled: true
    default_language: en
`, feed.URL))
	put("clients/acme.yaml", "client_id: acme\nextra_sources: [press_sector__feed]\n")

	h, err := NewHandler(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
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
