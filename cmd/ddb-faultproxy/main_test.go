package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/localaws"
)

func noEnv(string) string { return "" }

func TestParseFlagsAndEnv(t *testing.T) {
	var errb bytes.Buffer
	env := map[string]string{"FAULTPROXY_UPSTREAM": "http://127.0.0.1:1", "FAULTPROXY_INTERNAL": "0.02"}
	s, err := parse([]string{"-faults", "0.06", "-reset", "0"}, func(k string) string { return env[k] }, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if s.rates.Internal != 0.02 || s.rates.Reset != 0 || s.rates.Throughput != 0.01 || s.rates.AppliedFailed != 0.02 {
		t.Errorf("rates %+v", s.rates)
	}
	s, err = parse([]string{"-upstream", "http://x", "-conflict", "0.2", "-hold", "0.03", "-hold-for", "4s", "-no-tokens", "-overlap-conflicts"}, noEnv, &errb)
	if err != nil || !s.overlap || s.rates.Conflict != 0.2 || s.rates.Hold != 0.03 || s.rates.HoldFor != 4*time.Second || !s.noTokens || s.rates.Throttle != 0 {
		t.Errorf("DynamoDB-only faults: %+v, no tokens %v, %v", s.rates, s.noTokens, err)
	}
	for _, args := range [][]string{{}, {"-upstream", "http://x", "-internal", "2"}, {"-upstream", "http://x", "-conflict", "1.5"}, {"-upstream", "http://x", "extra"}} {
		if _, err := parse(args, noEnv, &errb); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	if _, err := parse(nil, func(k string) string {
		return map[string]string{"FAULTPROXY_UPSTREAM": "http://x", "FAULTPROXY_SEED": "abc"}[k]
	}, &errb); err == nil {
		t.Error("bad FAULTPROXY_SEED accepted")
	}
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, noEnv, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-applied-failed") {
		t.Errorf("--help: code %d, %q", code, errb.String())
	}
}

func TestStatsEndpoint(t *testing.T) {
	up := httptest.NewServer(localaws.DynamoDBHandler())
	defer up.Close()
	p, err := faultproxy.NewURL(up.URL, faultproxy.WithRates(faultproxy.Rates{Internal: 1}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(p))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/", "application/x-amz-json-1.0", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || resp.Header.Get("X-Amzn-ErrorType") != "InternalServerError" {
		t.Errorf("status %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(srv.URL + StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st faultproxy.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Internal != 1 {
		t.Errorf("stats %+v %v", st, err)
	}
}
