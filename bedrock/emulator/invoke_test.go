package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// anthropicAnswer is the part of an InvokeModel answer the tests read.
type anthropicAnswer struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Role       string `json:"role"`
	Model      string `json:"model"`
	StopReason string `json:"stop_reason"`
	Content    []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	Usage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

func invoke(t *testing.T, c *bedrockruntime.Client, id string, body []byte) anthropicAnswer {
	t.Helper()
	out := invokeOK(t, c, id, body)
	var a anthropicAnswer
	if err := json.Unmarshal(out.Body, &a); err != nil {
		t.Fatalf("answer %s: %v", out.Body, err)
	}
	return a
}

// invokeOK sends an InvokeModel and fails t when it does not succeed.
func invokeOK(t *testing.T, c *bedrockruntime.Client, id string, body []byte) *bedrockruntime.InvokeModelOutput {
	t.Helper()
	out, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(id), Body: body, ContentType: aws.String("application/json"),
	})
	if err != nil {
		t.Fatalf("InvokeModel: %v", err)
	}
	return out
}

func TestInvokeModelInferenceProfile(t *testing.T) {
	s := mustNew(t, WithTimeScale(1000))
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	defer func() {
		if want := "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"; paths[0] != want {
			t.Errorf("the SDK sent %s, want %s", paths[0], want)
		}
	}()
	items := sampleItems(t)
	for _, it := range items[:min(len(items), 30)] {
		body := invokeBody(it.prompt(), 1000)
		a := invoke(t, c, sonnet, body)
		if a.Type != "message" || a.Role != "assistant" || a.Model != sonnet || a.StopReason != "end_turn" {
			t.Fatalf("envelope = %+v", a)
		}
		if n := a.Usage.OutputTokens; n < answerMinTokens || n > answerMaxTokens {
			t.Errorf("%d output tokens for %q", n, it.Title)
		}
		var norm normalization
		if err := json.Unmarshal([]byte(a.Content[0].Text), &norm); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, a.Content[0].Text)
		}
		if again := invoke(t, c, sonnet, body); again.Content[0].Text != a.Content[0].Text || again.ID != a.ID {
			t.Fatal("same prompt, different answer")
		}
		ct, err := c.CountTokens(context.Background(), &bedrockruntime.CountTokensInput{
			ModelId: aws.String(sonnet),
			Input:   &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: body}},
		})
		if err != nil {
			t.Fatalf("CountTokens: %v", err)
		}
		if int(*ct.InputTokens) != a.Usage.InputTokens {
			t.Fatalf("count-tokens %d, invoke charged %d", *ct.InputTokens, a.Usage.InputTokens)
		}
	}
}

func TestInvokeModelUsageHeaders(t *testing.T) {
	s := mustNew(t, WithTimeScale(1000))
	srv := httptest.NewServer(s)
	defer srv.Close()
	u := srv.URL + "/model/" + strings.ReplaceAll(sonnet, ":", "%3A") + "/invoke"
	resp, err := http.Post(u, "application/json", bytes.NewReader(invokeBody(sampleItems(t)[0].prompt(), 1000)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a anthropicAnswer
	if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	for h, want := range map[string]int{
		"X-Amzn-Bedrock-Input-Token-Count":  a.Usage.InputTokens,
		"X-Amzn-Bedrock-Output-Token-Count": a.Usage.OutputTokens,
	} {
		if got, _ := strconv.Atoi(resp.Header.Get(h)); got != want {
			t.Errorf("%s = %q, want %d", h, resp.Header.Get(h), want)
		}
	}
	ms, _ := strconv.Atoi(resp.Header.Get("X-Amzn-Bedrock-Invocation-Latency"))
	if ms < 1500 || ms > 7000 {
		t.Errorf("emulated latency %d ms, want a normalization call's", ms)
	}
}

func TestInvokeModelMaxTokensTruncates(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	a := invoke(t, c, sonnet, invokeBody(sampleItems(t)[0].prompt(), 20))
	if a.StopReason != "max_tokens" || a.Usage.OutputTokens != 20 {
		t.Fatalf("stop %q with %d tokens, want max_tokens with 20", a.StopReason, a.Usage.OutputTokens)
	}
}

func TestInvokeModelPromptWithoutItem(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	a := invoke(t, c, sonnet, invokeBody("Say something about Teva and risperidone.", 1000))
	var norm normalization
	if err := json.Unmarshal([]byte(a.Content[0].Text), &norm); err != nil {
		t.Fatalf("not JSON: %s", a.Content[0].Text)
	}
	if len(norm.Entities.Companies) != 1 || norm.Entities.Molecules[0] != "risperidone" {
		t.Fatalf("entities = %+v", norm.Entities)
	}
}

func TestReservationAndSettle(t *testing.T) {
	clock := NewFakeClock(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	for _, reserveBurndown := range []bool{true, false} {
		s := mustNew(t, WithClock(clock), WithModel(sonnet, Quota{RPM: 100, TPM: 1_000_000}), WithReserveBurndown(reserveBurndown))
		c := newTestServer(t, s)
		done := make(chan anthropicAnswer)
		go func() { done <- invoke(t, c, sonnet, invokeBody(sampleItems(t)[1].prompt(), 1000)) }()
		for clock.Waiters() == 0 {
			time.Sleep(time.Millisecond)
		}
		st := s.Stats().Models[sonnet]
		level := s.tokenLevel(sonnet)
		reserved := st.TokensReserved
		input := reserved - 5000
		if !reserveBurndown {
			input = reserved - 1000
		}
		if st.InFlight != 1 || st.PeakInFlight != 1 || 1_000_000-level != float64(reserved) {
			t.Fatalf("in flight: %+v, level %v", st, level)
		}
		clock.Advance(time.Minute)
		a := <-done
		if int64(a.Usage.InputTokens) != input {
			t.Fatalf("reserved %d for input %d (reserve burndown %v)", reserved, a.Usage.InputTokens, reserveBurndown)
		}
		st = s.Stats().Models[sonnet]
		settled := int64(a.Usage.InputTokens + 5*a.Usage.OutputTokens)
		if st.TokensSettled != settled || st.InFlight != 0 || st.Completed != 1 || st.SettledPerMinute[1] != settled {
			t.Fatalf("after settle: %+v, want %d settled", st, settled)
		}
		if got := s.tokenLevel(sonnet); got != 1_000_000 {
			t.Fatalf("level %v after refill, want full", got)
		}
	}
}

// tokenLevel returns the token bucket level of id, refilled to now.
func (s *Server) tokenLevel(id string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.models[id].quota.tokens
	b.refill(s.nowLocked())
	return b.level
}
