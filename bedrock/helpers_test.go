package bedrock

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/lease/budget"
)

const (
	testModel   = "anthropic.claude-sonnet-4-5-20250929-v1:0" // burndown 5
	errTypeTail = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
	tpmMessage  = "Too many tokens, please wait before trying again."
	rpmMessage  = "Too many requests, please wait before trying again."
)

// reply writes one HTTP answer of the fake Bedrock.
type answer func(w http.ResponseWriter, r *http.Request)

// apiError answers with a Bedrock error shape.
func apiError(status int, name, msg string) answer {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-ErrorType", name+errTypeTail)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
}

func throttle(msg string) answer { return apiError(429, "ThrottlingException", msg) }

// anthropicOK answers an InvokeModel with text and usage in the body (when
// in >= 0) and in the headers (when hdr).
func anthropicOK(text string, in, out int, hdr bool) answer {
	return func(w http.ResponseWriter, _ *http.Request) {
		body := map[string]any{
			"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
			"content":     []map[string]string{{"type": "text", "text": text}},
			"stop_reason": "end_turn",
		}
		if in >= 0 {
			body["usage"] = map[string]int{"input_tokens": in, "output_tokens": out}
		}
		if hdr {
			w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", itoa(in, 61))
			w.Header().Set("X-Amzn-Bedrock-Output-Token-Count", itoa(out, 17))
			w.Header().Set("X-Amzn-Bedrock-Invocation-Latency", "1234")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
}

// itoa formats n, or def when n < 0 (body without usage, headers with it).
func itoa(n, def int) string {
	if n < 0 {
		n = def
	}
	b, _ := json.Marshal(n)
	return string(b)
}

// server is a fake Bedrock that plays answers in order, repeating the last.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	answers  []answer
	requests []*http.Request
	bodies   [][]byte
	n        atomic.Int64
}

func newServer(t *testing.T, answers ...answer) *server {
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := min(len(s.requests), len(s.answers)-1)
	s.requests, s.bodies = append(s.requests, r), append(s.bodies, body)
	a := s.answers[i]
	s.mu.Unlock()
	s.n.Add(1)
	a(w, r)
}

// count returns the requests served so far.
func (s *server) count() int { return int(s.n.Load()) }

// sdk returns a real SDK client for s with the SDK's default (standard)
// retryer, as production code builds it.
func (s *server) sdk(opts ...func(*bedrockruntime.Options)) *bedrockruntime.Client {
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}
	return bedrockruntime.NewFromConfig(cfg, append([]func(*bedrockruntime.Options){func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(s.URL)
	}}, opts...)...)
}

// fast makes retries take a millisecond.
var fast = WithBackoff(time.Millisecond, 2*time.Millisecond)

// newClient returns a Client over s with fast retries.
func newClient(t *testing.T, s *server, b Budget, opts ...Option) *Client {
	t.Helper()
	c, err := New(s.sdk(), testModel, b, append([]Option{fast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ledger is a real Budget, over an in-process DynamoDB with a quota too
// large to bind, that also records what the Client reserved and the
// throttles it reported. Its Stats say what was settled and cancelled.
type ledger struct {
	*budget.Budget
	mu        sync.Mutex
	reserved  []int64
	throttles []budget.Quota
	err       error // returned by Reserve when set
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	db := ddbtest.Start(t)
	b, err := budget.New(db, ddbtest.Table(t, db, "coord"), "eu-west-1/"+testModel, "test",
		budget.WithLimits(budget.Limits{RPM: 1e9, TPM: 1e12}))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{Budget: b}
}

func (l *ledger) Reserve(ctx context.Context, tokens int64) (*budget.Reservation, error) {
	l.mu.Lock()
	if l.err != nil {
		defer l.mu.Unlock()
		return nil, l.err
	}
	l.reserved = append(l.reserved, tokens)
	l.mu.Unlock()
	return l.Budget.Reserve(ctx, tokens)
}

func (l *ledger) Throttled(ctx context.Context, q budget.Quota) {
	l.mu.Lock()
	l.throttles = append(l.throttles, q)
	l.mu.Unlock()
	l.Budget.Throttled(ctx, q)
}
