package bedrock

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/sethvargo/go-retry"
	"github.com/vectora/ingest-normalize/internal/awserr"
)

// TestRetryClassification sends every Bedrock error shape through the real
// SDK and checks which ones the Client retries.
func TestRetryClassification(t *testing.T) {
	tests := []struct {
		name   string
		status int
		retry  bool
	}{
		{"ThrottlingException", 429, true},
		{"ServiceUnavailableException", 503, true},
		{"ModelNotReadyException", 429, true},
		{"InternalServerException", 500, true},
		{"ModelTimeoutException", 408, true},
		{"ValidationException", 400, false},
		{"AccessDeniedException", 403, false},
		{"ResourceNotFoundException", 404, false},
		{"ServiceQuotaExceededException", 400, false},
		{"ModelErrorException", 424, false},
		{"SomethingNewException", 400, false},
		{"SomethingNewException", 502, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, apiError(tt.status, tt.name, "no"))
			c := newClient(t, s, Unlimited, WithMaxAttempts(3))
			_, err := c.Call(t.Context(), Prompt{User: "hi"})
			want := 1
			if tt.retry {
				want = 3
			}
			if got := s.count(); got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.name {
				t.Errorf("err = %v, want API error %s", err, tt.name)
			}
			if Retryable(err) != tt.retry {
				t.Errorf("Retryable = %v, want %v", !tt.retry, tt.retry)
			}
		})
	}
}

// TestRetryConnectionError retries a connection the server drops.
func TestRetryConnectionError(t *testing.T) {
	drop := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	}
	s := newServer(t, drop, drop, anthropicOK("ok", 10, 2, false))
	c := newClient(t, s, Unlimited)
	res, err := c.Call(t.Context(), Prompt{User: "hi"})
	if err != nil || res.Attempts != 3 || s.count() != 3 {
		t.Fatalf("res = %+v, err = %v, %d requests; want 3 attempts", res, err, s.count())
	}
}

func TestRetryableLocal(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{errors.New("parse error"), false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestThrottledAttempts shows that the Client's attempts are the HTTP
// requests: the SDK's standard retryer, left on in the SDK client, does not
// multiply them.
func TestThrottledAttempts(t *testing.T) {
	s := newServer(t, throttle(tpmMessage))
	b := newLedger(t)
	c := newClient(t, s, b, WithMaxAttempts(4))
	_, err := c.Call(t.Context(), Prompt{User: "hi"})
	var ce *CallError
	var te *types.ThrottlingException
	if !errors.As(err, &ce) || !errors.As(err, &te) {
		t.Fatalf("err = %v, want *CallError wrapping *types.ThrottlingException", err)
	}
	if s.count() != 4 || ce.Attempts != 4 || ce.Requests != 4 || ce.Throttles != 4 || !ce.Retryable {
		t.Errorf("%d requests, error %+v; want 4 attempts, 4 requests, 4 throttles, retryable", s.count(), ce)
	}
	if st := b.Stats(); len(b.reserved) != 4 || st.Cancelled != 4 || st.Settled != 0 || len(b.throttles) != 4 {
		t.Errorf("reserved %v, throttles %v, budget %+v; want 4 reserved, 4 cancelled, none settled, 4 throttles", b.reserved, b.throttles, st)
	}
}

// TestDeadline gives a throttled call 300 ms: it gives up with the last
// throttle before its deadline instead of sleeping past it.
func TestDeadline(t *testing.T) {
	s := newServer(t, throttle(tpmMessage))
	c, err := New(s.sdk(), testModel, Unlimited, WithBackoff(100*time.Millisecond, time.Second), WithJitter(EqualJitter))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = c.Call(ctx, Prompt{User: "hi"})
	// Either it gave up before a wait that would end past the deadline
	// (ErrDeadline, with the last throttle), or the deadline fell during an
	// attempt (slow machine): both respect it. What it must never do is
	// sleep through the deadline and report a plain context error.
	var te *types.ThrottlingException
	switch {
	case errors.Is(err, ErrDeadline):
		if !errors.As(err, &te) {
			t.Errorf("err = %v; want the last throttle with ErrDeadline", err)
		}
	case errors.Is(err, context.DeadlineExceeded):
		var ce *CallError
		if !errors.As(err, &ce) || ce.Throttles == 0 {
			t.Errorf("err = %v; want a *CallError that saw throttles", err)
		}
	default:
		t.Errorf("err = %v; want ErrDeadline or the deadline", err)
	}
	// ErrDeadline (not the context's own error) shows it gave up before a
	// wait that would end past the deadline; no wall-time assertion here,
	// the machine is shared. Backoffs of 100 ms doubling fit at most 3
	// requests in 300 ms.
	if s.count() < 1 || s.count() > 3 {
		t.Errorf("gave up after %d requests; want 1 to 3", s.count())
	}
}

// TestBackoff checks the waits of the Client's backoff: doubling, capped,
// jittered, as many as attempts-1.
func TestBackoff(t *testing.T) {
	for _, j := range []Jitter{FullJitter, EqualJitter} {
		cfg := defaults()
		cfg.base, cfg.cap, cfg.attempts, cfg.jitter = 100*time.Millisecond, 400*time.Millisecond, 5, j
		b := cfg.backoff(context.Background(), new(bool))
		for i, top := range []time.Duration{100, 200, 400, 400} {
			top *= time.Millisecond
			low := time.Duration(0)
			if j == EqualJitter {
				low = top / 2
			}
			d, stop := b.Next()
			if stop || d < low || d >= top {
				t.Errorf("jitter %d wait %d = %v, %v; want in [%v, %v)", j, i, d, stop, low, top)
			}
		}
		if _, stop := b.Next(); !stop {
			t.Errorf("jitter %d: a fifth wait for 5 attempts", j)
		}
	}
}

func TestBackoffDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var hit bool
	b := withDeadline(ctx, &hit, retry.NewConstant(time.Second))
	if _, stop := b.Next(); !stop || !hit {
		t.Errorf("a 1 s wait with 50 ms left: stop %v, hit %v; want both", stop, hit)
	}
}

// TestRetryPolicy: a caller's policy decides what is retried and how long
// to wait; the attempts still reserve from the budget and report their
// throttles.
func TestRetryPolicy(t *testing.T) {
	only503 := func(err error) bool { return awserr.Status(err) == 503 }
	backoffs := 0
	p := RetryPolicy{
		Retryable: only503,
		Backoff: func(context.Context) retry.Backoff {
			backoffs++
			return retry.WithMaxRetries(2, retry.NewConstant(time.Millisecond))
		},
		SDK: noSDKRetry,
	}
	down := apiError(503, "ServiceUnavailableException", "down")
	s := newServer(t, down, down, anthropicOK("ok", 5, 5, false))
	b := newLedger(t)
	res, err := newClient(t, s, b, WithRetryPolicy(p)).Call(t.Context(), prompt)
	if err != nil || res.Attempts != 3 || res.Requests != 3 || backoffs != 1 || len(b.reserved) != 3 {
		t.Fatalf("res %+v, err %v, %d backoffs, reserved %v; want 3 attempts from one backoff", res, err, backoffs, b.reserved)
	}
	s = newServer(t, throttle(tpmMessage))
	_, err = newClient(t, s, b, WithRetryPolicy(p)).Call(t.Context(), prompt)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Attempts != 1 || ce.Retryable || s.count() != 1 || len(b.throttles) != 1 {
		t.Fatalf("throttle: err %v, %d requests, throttles %v; want one attempt, not retryable, reported", err, s.count(), b.throttles)
	}
}
