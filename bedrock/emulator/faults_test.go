package emulator

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

func TestFaultRates(t *testing.T) {
	rates := Faults{Unavailable: 0.05, Internal: 0.02, NotJSON: 0.1, Fenced: 0.3, Slow: 0.1, SlowFactor: 4}
	const calls = 2000
	s := mustNew(t, WithLatency(Latency{}), WithFaults(rates), WithSeed(42),
		WithModel(sonnet, Quota{RPM: 1_000_000, TPM: 1_000_000_000}))
	body := invokeBody(sampleItems(t)[0].prompt(), 1000)
	path := "/model/" + strings.ReplaceAll(sonnet, ":", "%3A") + "/invoke"
	fenced := 0
	for range calls {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		if strings.Contains(w.Body.String(), "```json") {
			fenced++
		}
	}
	f := s.Stats().Models[sonnet].Faults
	served := float64(calls - f.Unavailable - f.Internal)
	for _, c := range []struct {
		name string
		got  int64
		want float64
	}{
		{"unavailable", f.Unavailable, rates.Unavailable * calls},
		{"internal", f.Internal, rates.Internal * calls},
		{"not_json", f.NotJSON, rates.NotJSON * served},
		{"fenced", f.Fenced, rates.Fenced * served},
		{"slow", f.Slow, rates.Slow * served},
	} {
		if sd := math.Sqrt(c.want); math.Abs(float64(c.got)-c.want) > 3.5*sd {
			t.Errorf("%s: %d faults, want %.0f ± %.0f", c.name, c.got, c.want, 3.5*sd)
		}
	}
	if int64(fenced) != f.Fenced {
		t.Errorf("%d fenced bodies, %d counted", fenced, f.Fenced)
	}
	// The same seed gives the same faults.
	s.Reset()
	again := mustNew(t, WithLatency(Latency{}), WithFaults(rates), WithSeed(42),
		WithModel(sonnet, Quota{RPM: 1_000_000, TPM: 1_000_000_000}))
	for range calls {
		again.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	}
	if g := again.Stats().Models[sonnet].Faults; g != f {
		t.Errorf("seed 42 gave %+v then %+v", f, g)
	}
}

func TestServerFaultsSurfaceTyped(t *testing.T) {
	for _, tt := range []struct {
		faults Faults
		target any
	}{
		{Faults{Unavailable: 1}, new(*types.ServiceUnavailableException)},
		{Faults{Internal: 1}, new(*types.InternalServerException)},
	} {
		s := mustNew(t, WithLatency(Latency{}), WithFaults(tt.faults))
		err := invokeErr(newTestServer(t, s), sonnet, invokeBody("hi", 10))
		if !errors.As(err, tt.target) {
			t.Errorf("%+v: %v", tt.faults, err)
		}
		if st := s.Stats().Models[sonnet]; st.Admitted != 0 {
			t.Errorf("a failed call was admitted: %+v", st)
		}
	}
}

func TestSlowFault(t *testing.T) {
	s := mustNew(t, WithTimeScale(1e6), WithFaults(Faults{Slow: 1, SlowFactor: 4}))
	c := newTestServer(t, s)
	base := mustNew(t, WithTimeScale(1e6))
	prompt := sampleItems(t)[0].prompt()
	slow, err := c.Converse(context.Background(), converseInput(sonnet, prompt, aws.Int32(1000)))
	if err != nil {
		t.Fatal(err)
	}
	fast, err := newTestServer(t, base).Converse(context.Background(), converseInput(sonnet, prompt, aws.Int32(1000)))
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(*slow.Metrics.LatencyMs) / float64(*fast.Metrics.LatencyMs); r < 3.9 || r > 4.1 {
		t.Fatalf("slow call took %.2f× the normal latency, want 4", r)
	}
}
