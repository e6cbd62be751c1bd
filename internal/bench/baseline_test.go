package bench

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/vectora/ingest-normalize/bedrock"
)

// fakeBedrock answers InvokeModel with its answers in order, repeating the
// last, and counts the HTTP requests.
type fakeBedrock struct {
	*httptest.Server
	n atomic.Int64
}

// The answers of fakeBedrock: Bedrock's error shapes and a success.
var (
	throttle = apiError(429, "ThrottlingException", "Too many tokens, please wait before trying again.")
	down     = apiError(503, "ServiceUnavailableException", "down")
)

func apiError(status int, code, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	}
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":5}}`)
}

func newFake(t *testing.T, answers ...http.HandlerFunc) *fakeBedrock {
	f := &fakeBedrock{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := min(int(f.n.Add(1))-1, len(answers)-1)
		answers[i](w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBedrock) count() int { return int(f.n.Load()) }

// client returns a Client of f with the SDK's standard retryer (3
// attempts), its backoff shortened so that the test is fast.
func (f *fakeBedrock) client(t *testing.T, p bedrock.RetryPolicy) *bedrock.Client {
	t.Helper()
	api := bedrockruntime.NewFromConfig(aws.Config{Region: "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(f.URL)
		o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) { so.MaxBackoff = time.Millisecond })
	})
	c, err := bedrock.New(api, ModelID, bedrock.Unlimited, bedrock.WithRetryPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	prompt    = bedrock.Prompt{System: "Normalize the item.", User: "Acme Pharma announces FDA approval of examplumab."}
	quickSeed = seedRetry{attempts: 4, base: time.Millisecond, jitter: time.Millisecond} // 0.5·2ⁿ s become ms
)

// TestSeedMultiplies shows the seed baseline's attempts multiplied by the
// SDK's: a call throttled throughout sends 4 × 3 = 12 requests.
func TestSeedMultiplies(t *testing.T) {
	s := newFake(t, throttle)
	_, err := s.client(t, quickSeed.policy()).Call(t.Context(), prompt)
	var ce *bedrock.CallError
	var te *types.ThrottlingException
	if !errors.As(err, &ce) || !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if s.count() != 12 || ce.Attempts != 4 || ce.Requests != 12 {
		t.Errorf("%d requests, %d attempts; want 12 and 4", s.count(), ce.Attempts)
	}
}

// TestSeedOnlyThrottles leaves a 503 to the SDK: one attempt, 3 requests.
func TestSeedOnlyThrottles(t *testing.T) {
	s := newFake(t, down)
	_, err := s.client(t, quickSeed.policy()).Call(t.Context(), prompt)
	var ce *bedrock.CallError
	if !errors.As(err, &ce) || ce.Attempts != 1 || s.count() != 3 {
		t.Errorf("err = %v, %d requests; want 1 attempt, 3 requests", err, s.count())
	}
}

// TestAdaptive makes one attempt and lets the SDK's adaptive retryer send
// its 3 requests. (Outages, not throttles: after a throttle the adaptive
// rate limiter holds the next request for about 2 s, at 0.5 requests/s.)
func TestAdaptive(t *testing.T) {
	s := newFake(t, down, down, ok)
	p := adaptivePolicy(func(o *awsretry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *awsretry.StandardOptions) { so.MaxBackoff = time.Millisecond })
	})
	res, err := s.client(t, p).Call(t.Context(), prompt)
	if err != nil || res.Attempts != 1 || res.Requests != 3 || s.count() != 3 {
		t.Errorf("res %+v, err %v; want 1 attempt, 3 requests", res, err)
	}
}

// TestSeedWaitsScale: the seed's waits shrink by the benchmark's time
// scale; a factor that is not positive is ignored.
func TestSeedWaitsScale(t *testing.T) {
	s := seedDefault.scaled(1.0 / 20)
	if s.base != 25*time.Millisecond || s.jitter != 5*time.Millisecond {
		t.Fatalf("seed waits %v + %v, want 25ms + 5ms", s.base, s.jitter)
	}
	if s = s.scaled(0); s.base != 25*time.Millisecond {
		t.Fatalf("a zero factor changed the waits to %v", s.base)
	}
}
