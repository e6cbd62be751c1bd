package bedrock

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
	"github.com/vectora/ingest-normalize/lease/budget"
)

var prompt = Prompt{System: "Normalize the item.", User: "Acme Pharma announces FDA approval of examplumab."}

// TestReservations follows one call through a throttle, an outage and a
// success: every attempt reserves input + max_tokens, the throttled ones
// cancel, the outage (Bedrock may have charged it) settles at the
// reservation, the success settles input + output × burndown.
func TestReservations(t *testing.T) {
	s := newServer(t, throttle(tpmMessage), apiError(503, "ServiceUnavailableException", "down"),
		throttle(rpmMessage), anthropicOK(`{"ok":true}`, 50, 20, false))
	b := newLedger(t)
	c := newClient(t, s, b, WithMaxTokens(100))
	res, err := c.Call(t.Context(), prompt)
	if err != nil {
		t.Fatal(err)
	}
	r := withMargin(EstimateTokens(prompt)) + 100
	if want := []int64{r, r, r, r}; !reflect.DeepEqual(b.reserved, want) {
		t.Errorf("reserved %v, want %v", b.reserved, want)
	}
	if st := b.Stats(); st.Cancelled != 2 || st.Settled != 2 || st.Used != r+50+20*5 {
		t.Errorf("cancelled %d, settled %d to %d; want 2 and 2 to %d", st.Cancelled, st.Settled, st.Used, r+50+20*5)
	}
	if want := []budget.Quota{budget.Tokens, budget.Requests}; !reflect.DeepEqual(b.throttles, want) {
		t.Errorf("throttles %v, want %v", b.throttles, want)
	}
	want := Usage{InputTokens: 50, OutputTokens: 20, SettledTokens: 150, ReservedTokens: r}
	if res.Usage != want || res.Attempts != 4 || res.Throttles != 2 || res.Text != `{"ok":true}` || res.StopReason != "end_turn" {
		t.Errorf("result %+v, want usage %+v, 4 attempts, 2 throttles", res, want)
	}
}

// TestReserveFactor: a model that reserved more than max_tokens sets its
// factor; the burndown still applies only at settlement.
func TestReserveFactor(t *testing.T) {
	s := newServer(t, anthropicOK("ok", 50, 20, false))
	b := newLedger(t)
	c := newClient(t, s, b, WithMaxTokens(100), WithReserveFactor(2))
	if _, err := c.Call(t.Context(), prompt); err != nil {
		t.Fatal(err)
	}
	if want := withMargin(EstimateTokens(prompt)) + 200; b.reserved[0] != want || b.Stats().Settled != 1 || b.Stats().Used != 150 {
		t.Errorf("reserved %v, settled %+v; want %d and 150", b.reserved, b.Stats(), want)
	}
}

// TestUsage reads usage from the body, from the headers when the body has
// none, and settles as reserved when neither has it.
func TestUsage(t *testing.T) {
	tests := []struct {
		name     string
		answer   answer
		in, out  int64
		reserved bool
	}{
		{"body", anthropicOK("ok", 40, 10, false), 40, 10, false},
		{"body over headers", anthropicOK("ok", 40, 10, true), 40, 10, false},
		{"headers", anthropicOK("ok", -1, -1, true), 61, 17, false},
		{"none", anthropicOK("ok", -1, -1, false), 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newLedger(t)
			c := newClient(t, newServer(t, tt.answer), b)
			res, err := c.Call(t.Context(), prompt)
			if err != nil {
				t.Fatal(err)
			}
			u := res.Usage
			settled := tt.in + tt.out*5
			if tt.reserved {
				settled = u.ReservedTokens
			}
			if st := b.Stats(); u.InputTokens != tt.in || u.OutputTokens != tt.out || u.SettledTokens != settled || st.Settled != 1 || st.Used != settled {
				t.Errorf("usage %+v, budget %+v; want %d in, %d out, %d settled", u, st, tt.in, tt.out, settled)
			}
		})
	}
}

// TestInvokeBody checks the request on the wire: path with an
// inference-profile id, and the Anthropic messages body.
func TestInvokeBody(t *testing.T) {
	s := newServer(t, anthropicOK("ok", 1, 1, false))
	c, err := New(s.sdk(), "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", Unlimited, WithMaxTokens(300), WithTemperature(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(t.Context(), prompt); err != nil {
		t.Fatal(err)
	}
	if p := s.requests[0].URL.EscapedPath(); p != "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke" {
		t.Errorf("path %s", p)
	}
	var body map[string]any
	_ = json.Unmarshal(s.bodies[0], &body)
	want := map[string]any{
		"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300.0, "temperature": 0.0,
		"system":   prompt.System,
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": prompt.User}}}},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body %s", s.bodies[0])
	}
}

// TestConverse calls Converse and reads its usage.
func TestConverse(t *testing.T) {
	ok := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"output":{"message":{"role":"assistant","content":[{"text":"hello"}]}},
			"stopReason":"end_turn","usage":{"inputTokens":30,"outputTokens":7,"totalTokens":37},"metrics":{"latencyMs":420}}`))
	}
	s := newServer(t, throttle(tpmMessage), ok)
	b := newLedger(t)
	c := newClient(t, s, b, WithOperation(Converse), WithMaxTokens(200), WithTemperature(0.5))
	res, err := c.Call(t.Context(), prompt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "hello" || res.StopReason != "end_turn" || res.Usage.SettledTokens != 30+7*5 || res.Attempts != 2 {
		t.Errorf("result %+v", res)
	}
	if !strings.HasSuffix(s.requests[1].URL.Path, "/converse") {
		t.Errorf("path %s", s.requests[1].URL.Path)
	}
	var body struct {
		InferenceConfig struct {
			MaxTokens   int
			Temperature float64
		}
		System []struct{ Text string }
	}
	_ = json.Unmarshal(s.bodies[1], &body)
	if body.InferenceConfig.MaxTokens != 200 || body.InferenceConfig.Temperature != 0.5 || body.System[0].Text != prompt.System {
		t.Errorf("body %s", s.bodies[1])
	}
}

// TestCountTokens uses CountTokens' count for the reservation, and stops
// asking once the API refuses the model.
func TestCountTokens(t *testing.T) {
	count := func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count-tokens") {
			_, _ = w.Write([]byte(`{"inputTokens":42}`))
			return
		}
		anthropicOK("ok", 42, 1, false)(w, r)
	}
	b := newLedger(t)
	c := newClient(t, newServer(t, count), b, WithCountTokens(true), WithMaxTokens(10))
	if _, err := c.Call(t.Context(), prompt); err != nil {
		t.Fatal(err)
	}
	if b.reserved[0] != 42+10 {
		t.Errorf("reserved %v, want 52", b.reserved)
	}

	refuse := func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/count-tokens") {
			apiError(400, "ValidationException", "The provided model doesn't support counting tokens.")(w, r)
			return
		}
		anthropicOK("ok", 42, 1, false)(w, r)
	}
	s := newServer(t, refuse)
	c = newClient(t, s, b, WithCountTokens(true))
	for range 2 {
		if _, err := c.Call(t.Context(), prompt); err != nil {
			t.Fatal(err)
		}
	}
	if s.count() != 3 {
		t.Errorf("%d requests, want 1 count-tokens and 2 invokes", s.count())
	}
}

func TestBudgetError(t *testing.T) {
	s := newServer(t, anthropicOK("ok", 1, 1, false))
	b := newLedger(t)
	b.err = errors.New("table unavailable")
	_, err := newClient(t, s, b).Call(t.Context(), prompt)
	var ce *CallError
	if !errors.Is(err, ErrBudget) || !errors.As(err, &ce) || ce.Retryable || ce.Attempts != 0 || s.count() != 0 {
		t.Errorf("err = %v, %d requests; want ErrBudget and none", err, s.count())
	}
}

func TestNew(t *testing.T) {
	api := newServer(t, anthropicOK("ok", 1, 1, false)).sdk()
	_, err := New(api, "acme.new-model-v1", Unlimited)
	var ue *model.UnknownError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "bedrock.WithBurndown") {
		t.Errorf("unknown model: err = %v", err)
	}
	if c, err := New(api, "acme.new-model-v1", Unlimited, WithBurndown(2)); err != nil || c.Burndown() != 2 {
		t.Errorf("explicit burndown: %v", err)
	}
	bad := []Option{WithMaxTokens(0), WithTemperature(1.5), WithBurndown(-1), WithMaxAttempts(0),
		WithBackoff(time.Second, time.Millisecond), WithOperation(7), WithJitter(9)}
	for _, o := range bad {
		if _, err := New(api, testModel, Unlimited, o); err == nil {
			t.Errorf("option %p accepted", o)
		}
	}
	if _, err := New(api, testModel, Unlimited, WithRetryPolicy(RetryPolicy{Retryable: Retryable})); err == nil {
		t.Error("a retry policy without a backoff accepted")
	}
	if _, err := New(api, testModel, nil); err == nil {
		t.Error("nil budget accepted")
	}
}

// TestConcurrentCalls shares one Client between goroutines (run with -race).
func TestConcurrentCalls(t *testing.T) {
	s := newServer(t, throttle(tpmMessage), anthropicOK("ok", 10, 2, false))
	b := newLedger(t)
	c := newClient(t, s, b)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := c.Call(t.Context(), prompt); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := b.Stats(); st.Settled != 16 || st.Cancelled != 1 || s.count() != 17 {
		t.Errorf("%d settled, %d cancelled, %d requests; want 16, 1, 17", st.Settled, st.Cancelled, s.count())
	}
}

// TestDayThrottleIsNotRetried: Bedrock's "Too many tokens per day" is not
// retried (waiting does not help) and is reported to the budget as the
// daily quota, which marks the day spent for every invocation.
func TestDayThrottleIsNotRetried(t *testing.T) {
	s := newServer(t, throttle("Too many tokens per day, please wait before trying again."), anthropicOK("ok", 1, 1, false))
	b := newLedger(t)
	c := newClient(t, s, b)
	_, err := c.Call(t.Context(), prompt)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Attempts != 1 || ce.Retryable {
		t.Fatalf("Call = %v, want one attempt, not retryable", err)
	}
	if want := []budget.Quota{budget.Day}; !reflect.DeepEqual(b.throttles, want) {
		t.Errorf("throttles %v, want %v", b.throttles, want)
	}
	if _, err := b.Reserve(t.Context(), 10); !errors.Is(err, budget.ErrDayExhausted) {
		t.Errorf("next reservation: %v, want the day spent", err)
	}
}
