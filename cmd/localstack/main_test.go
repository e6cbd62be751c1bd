package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/syncbuf"
)

var startLine = regexp.MustCompile(`dynamodb (http://\S+) s3 (http://\S+)`)

// TestServeSeedInspect starts the servers on free ports, seeds the sample
// and reads it back through inspect, then stops the servers.
func TestServeSeedInspect(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-dynamodb", "127.0.0.1:0", "-s3", "127.0.0.1:0", "-table", "t", "-buckets", "data,config"},
			func(string) string { return "" }, &out, &out)
	}()
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = startLine.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("no start-up line: %q", out.String())
	}
	env := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": m[1], "AWS_ENDPOINT_URL_S3": m[2], "DATA_BUCKET": "data"}
	getenv := func(k string) string { return env[k] }

	var seedOut, inspectOut bytes.Buffer
	if err := run(ctx, []string{"seed", "-shell"}, getenv, &seedOut, &seedOut); err != nil {
		t.Fatal(err, seedOut.String())
	}
	if want := "SEED_FROM=2026-11-23\nSEED_TO=2026-11-27\nSEED_ITEMS=60\n"; seedOut.String() != want {
		t.Errorf("seed printed %q, want %q", seedOut.String(), want)
	}
	if err := run(ctx, []string{"inspect", "-table", "t"}, getenv, &inspectOut, &inspectOut); err != nil {
		t.Fatal(err, inspectOut.String())
	}
	if !strings.Contains(inspectOut.String(), "no lease held") || !strings.Contains(inspectOut.String(), "0 items") {
		t.Errorf("inspect printed %q", inspectOut.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"message":"nothing to do","counts":{"claimed":0,"already_done":60},"bedrock":{"calls":0}}`,
			`"nothing to do" claimed=0 already_done=60 calls=0`},
		{`{"errorMessage":"client_id: is missing","errorType":"FieldError"}`,
			`errorMessage="client_id: is missing" errorType="FieldError"`},
		{`not json`, `not json`},
	} {
		if got := oneLine([]byte(c.body)); got != c.want {
			t.Errorf("oneLine(%s) = %s, want %s", c.body, got, c.want)
		}
	}
}

func TestPortsAreDistinct(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ports", "-n", "5"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range strings.Fields(out.String()) {
		seen[p] = true
	}
	if len(seen) != 5 {
		t.Fatalf("ports printed %q", out.String())
	}
}
