package emf

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

func response() *pipeline.Response {
	return &pipeline.Response{
		RunKey: "demo-2026-11-23-2026-11-27",
		Counts: pipeline.Counts{Items: 20, OK: 14, Fallback: 3, Failed: 1, AlreadyDone: 2},
		Bedrock: pipeline.BedrockStats{Calls: 18, Attempts: 23, Throttles: 4, TokensIn: 30600, TokensOut: 5400,
			BudgetWaitMS: 1250, TokensCacheRead: 22100, TokensCacheWrite: 1300, CostUSD: 0.2051, SharedCalls: 1},
		Lease: pipeline.LeaseStats{Scope: "ingest-normalize/dev", WaitMS: 40, Lost: "lease: lost ingest-normalize/dev"},
	}
}

func TestWriteGolden(t *testing.T) {
	var buf bytes.Buffer
	d := Dimensions{Environment: "dev", Model: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := Write(&buf, d, response(), at); err != nil {
		t.Fatal(err)
	}
	if *updateGolden {
		if err := os.WriteFile("testdata/line.golden", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/line.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("EMF line differs (rerun with -update):\n got %s\nwant %s", buf.Bytes(), want)
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatal("want exactly one line")
	}
}

// TestLineIsValidEMF checks the structure CloudWatch requires: every
// declared metric and dimension is a top-level key with a value.
func TestLineIsValidEMF(t *testing.T) {
	line, err := Line(Dimensions{"stage", "m"}, &pipeline.Response{}, time.Unix(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
	}
	var top map[string]any
	if err := json.Unmarshal(line, &v); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(line, &top); err != nil {
		t.Fatal(err)
	}
	d := v.AWS.CloudWatchMetrics[0]
	if v.AWS.Timestamp != 1000 || d.Namespace != "IngestNormalize" || !slices.Equal(d.Dimensions[0], []string{"Environment", "Model"}) {
		t.Fatalf("directive = %+v", v.AWS)
	}
	for _, m := range d.Metrics {
		if _, ok := top[m.Name].(float64); !ok {
			t.Errorf("metric %s has no numeric value", m.Name)
		}
	}
	if top["Environment"] != "stage" || top["Model"] != "m" || top["LeaseLost"] != 0.0 {
		t.Errorf("values = %v", top)
	}
}

func TestWriteSkipsAndRefuses(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Dimensions{"dev", "m"}, nil, time.Now()); err != nil || buf.Len() != 0 {
		t.Fatalf("nil response: %v, %q", err, buf.String())
	}
	if err := Write(&buf, Dimensions{Environment: "dev"}, response(), time.Now()); !errors.Is(err, ErrNoDimensions) || buf.Len() != 0 {
		t.Fatalf("no model: %v, %q", err, buf.String())
	}
}

// TestAlarmsUseDeclaredMetrics checks that every metric the stack's alarms
// watch in namespace IngestNormalize is one this package writes.
func TestAlarmsUseDeclaredMetrics(t *testing.T) {
	tmpl, err := os.ReadFile("../../infra/s1-runtime.yaml")
	if err != nil {
		t.Skip(err)
	}
	// The Lambda's own metrics (namespace AWS/Lambda) are AWS's to write.
	names := regexp.MustCompile(`Namespace:\s*IngestNormalize\s*\n\s*MetricName:\s*(\S+)`).FindAllSubmatch(tmpl, -1)
	if len(names) == 0 {
		t.Fatal("no IngestNormalize MetricName in infra/s1-runtime.yaml")
	}
	for _, m := range names {
		if !slices.Contains(Names(), string(m[1])) {
			t.Errorf("alarm metric %s is not written by package emf", m[1])
		}
	}
}
