package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// longSystem is a static system prompt above Sonnet's 1,024-token minimum.
var longSystem = strings.Repeat(instructions, 3)

// cachedUsage is the usage of an InvokeModel answer, from body and headers.
type cachedUsage struct {
	Input, Output, Read, Write int
	HeaderRead, HeaderWrite    int
	Write5m                    int
}

// cachedBody is an Anthropic body with the system as one text block
// carrying a checkpoint (when ttl is not "none"), then the user turn.
func cachedBody(system, user, ttl string) []byte {
	block := map[string]any{"type": "text", "text": system}
	if ttl != "none" {
		cc := map[string]any{"type": "ephemeral"}
		if ttl != "" {
			cc["ttl"] = ttl
		}
		block["cache_control"] = cc
	}
	b, _ := json.Marshal(map[string]any{
		"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300,
		"system":   []any{block},
		"messages": []map[string]any{{"role": "user", "content": []any{map[string]any{"type": "text", "text": user}}}},
	})
	return b
}

func invokeCached(t *testing.T, c *bedrockruntime.Client, id string, body []byte) cachedUsage {
	t.Helper()
	out := invokeOK(t, c, id, body)
	var a struct {
		Usage struct {
			Input         int `json:"input_tokens"`
			Output        int `json:"output_tokens"`
			Read          int `json:"cache_read_input_tokens"`
			Write         int `json:"cache_creation_input_tokens"`
			CacheCreation struct {
				Write5m int `json:"ephemeral_5m_input_tokens"`
			} `json:"cache_creation"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(out.Body, &a); err != nil {
		t.Fatal(err)
	}
	u := cachedUsage{Input: a.Usage.Input, Output: a.Usage.Output, Read: a.Usage.Read, Write: a.Usage.Write, Write5m: a.Usage.CacheCreation.Write5m}
	raw := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	u.HeaderRead, _ = strconv.Atoi(raw.Header.Get("X-Amzn-Bedrock-Cache-Read-Input-Token-Count"))
	u.HeaderWrite, _ = strconv.Atoi(raw.Header.Get("X-Amzn-Bedrock-Cache-Write-Input-Token-Count"))
	return u
}

// systemPrefix is the tokens of a prompt up to a checkpoint after system.
func systemPrefix(system string) int { return promptTokens([]string{system}, nil) }

func TestPromptCacheMissThenHit(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	user := "TITLE: Medincell Awarded New Grant to Fight Malaria\nCONTENT: none"
	total := promptTokens([]string{longSystem}, [][]string{{user}})
	prefix := systemPrefix(longSystem)
	if prefix < 1024 {
		t.Fatalf("test system prompt has %d tokens, want >= 1024", prefix)
	}
	first := invokeCached(t, c, sonnet, cachedBody(longSystem, user, ""))
	want := cachedUsage{Input: total - prefix, Output: first.Output, Write: prefix, HeaderWrite: prefix, Write5m: prefix}
	if first != want {
		t.Errorf("first call usage = %+v, want %+v (a write)", first, want)
	}
	second := invokeCached(t, c, sonnet, cachedBody(longSystem, user, ""))
	want = cachedUsage{Input: total - prefix, Output: first.Output, Read: prefix, HeaderRead: prefix}
	if second != want {
		t.Errorf("second call usage = %+v, want %+v (a read)", second, want)
	}
	m := s.Stats().Models[sonnet]
	burn := 2 * 5 * first.Output // Sonnet 4.5 output counts 5 times
	if wantSettled := int64(2*(total-prefix) + prefix + burn); m.TokensSettled != wantSettled {
		t.Errorf("settled %d, want %d: input + cache write + 5 × output, reads released", m.TokensSettled, wantSettled)
	}
	if m.CacheReadInputTokens != int64(prefix) || m.CacheWriteInputTokens != int64(prefix) || m.CacheHits != 1 || m.CacheWrites != 1 {
		t.Errorf("stats read %d write %d, want %d each", m.CacheReadInputTokens, m.CacheWriteInputTokens, prefix)
	}
}

func TestPromptCacheExpiresAfterLifetime(t *testing.T) {
	clk := NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	s := mustNew(t, WithLatency(Latency{}), WithClock(clk))
	c := newTestServer(t, s)
	body := cachedBody(longSystem, "TITLE: a\nCONTENT: b", "")
	steps := []struct {
		advance time.Duration
		read    bool
	}{
		{0, false},
		{4 * time.Minute, true}, // within 5 min: read, lifetime starts again
		{4 * time.Minute, true}, // 8 min after the write, 4 after the hit
		{5 * time.Minute, false},
		{time.Minute, true},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		u := invokeCached(t, c, sonnet, body)
		if got := u.Read > 0; got != st.read || (u.Write > 0) == st.read {
			t.Errorf("step %d (+%v): read %d write %d, want read=%v", i, st.advance, u.Read, u.Write, st.read)
		}
	}
}

func TestPromptCacheOneHourTTL(t *testing.T) {
	clk := NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	s := mustNew(t, WithLatency(Latency{}), WithClock(clk))
	c := newTestServer(t, s)
	body := cachedBody(longSystem, "TITLE: a\nCONTENT: b", "1h")
	invokeCached(t, c, sonnet, body)
	clk.Advance(50 * time.Minute)
	if u := invokeCached(t, c, sonnet, body); u.Read == 0 {
		t.Errorf("after 50 min with ttl 1h: %+v, want a read", u)
	}
}

func TestPromptCacheBelowMinimum(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	system := "You normalize press items. Answer with JSON."
	user := "TITLE: a\nCONTENT: b"
	for i := range 2 {
		u := invokeCached(t, c, sonnet, cachedBody(system, user, ""))
		if u.Read != 0 || u.Write != 0 || u.Input != promptTokens([]string{system}, [][]string{{user}}) {
			t.Errorf("call %d below the minimum: %+v, want all input uncached", i, u)
		}
	}
}

func TestPromptCacheHaikuMinimum(t *testing.T) {
	const haiku = "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
	s := mustNew(t, WithLatency(Latency{}), WithModel(haiku, Quota{RPM: 100, TPM: 1_000_000}))
	c := newTestServer(t, s)
	if n := systemPrefix(longSystem); n >= 4096 {
		t.Fatalf("system has %d tokens, want below Haiku 4.5's 4,096", n)
	}
	for range 2 {
		if u := invokeCached(t, c, haiku, cachedBody(longSystem, "x", "")); u.Read+u.Write != 0 {
			t.Errorf("Haiku 4.5 cached a %d-token prefix: %+v", systemPrefix(longSystem), u)
		}
	}
}

func TestPromptCacheChangedPrefixMisses(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	invokeCached(t, c, sonnet, cachedBody(longSystem, "TITLE: one", ""))
	if u := invokeCached(t, c, sonnet, cachedBody(longSystem, "TITLE: another item", "")); u.Read == 0 {
		t.Errorf("same prefix, other item: %+v, want a read", u)
	}
	changed := strings.Replace(longSystem, "analyst", "analyst ", 1)
	if u := invokeCached(t, c, sonnet, cachedBody(changed, "TITLE: one", "")); u.Read != 0 || u.Write == 0 {
		t.Errorf("changed prefix: %+v, want a miss and a write", u)
	}
	const other = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	if u := invokeCached(t, c, other, cachedBody(longSystem, "TITLE: one", "")); u.Read != 0 {
		t.Errorf("same prefix on another model id: %+v, want a miss", u)
	}
}

func TestPromptCacheConcurrentFirstCallsAllWrite(t *testing.T) {
	clk := NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	s := mustNew(t, WithClock(clk), WithLatency(Latency{FirstToken: Duration(time.Second)}))
	c := newTestServer(t, s)
	const n = 3
	results := make(chan cachedUsage, n)
	for i := range n {
		go func() {
			results <- invokeCached(t, c, sonnet, cachedBody(longSystem, "TITLE: item "+strconv.Itoa(i), ""))
		}()
	}
	for clk.Waiters() < n {
		time.Sleep(time.Millisecond) // until all three are in flight
	}
	clk.Advance(2 * time.Second)
	for i := range n {
		if u := <-results; u.Write == 0 || u.Read != 0 {
			t.Errorf("concurrent first call %d: %+v, want a write (no entry before the first completes)", i, u)
		}
	}
	done := make(chan cachedUsage)
	go func() { done <- invokeCached(t, c, sonnet, cachedBody(longSystem, "TITLE: later", "")) }()
	for clk.Waiters() < 1 {
		time.Sleep(time.Millisecond)
	}
	clk.Advance(2 * time.Second)
	if u := <-done; u.Read == 0 {
		t.Errorf("call after the writes: %+v, want a read", u)
	}
}

func TestPromptCacheUnsupportedModelIgnoresCheckpoint(t *testing.T) {
	const old = "anthropic.claude-3-sonnet-20240229-v1:0"
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	for range 2 {
		if u := invokeCached(t, c, old, cachedBody(longSystem, "x", "")); u.Read+u.Write != 0 {
			t.Errorf("Claude 3 Sonnet cached: %+v", u)
		}
	}
}

// blocksBody is an Anthropic body whose system is the given text blocks,
// with a checkpoint (of ttl, "" for the default) after each block i where
// ttls[i] != "none".
func blocksBody(blocks, ttls []string) []byte {
	var system []any
	for i, text := range blocks {
		b := map[string]any{"type": "text", "text": text}
		if ttls[i] != "none" {
			b["cache_control"] = map[string]any{"type": "ephemeral", "ttl": ttls[i]}
		}
		system = append(system, b)
	}
	body, _ := json.Marshal(map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "system": system,
		"messages": []map[string]any{{"role": "user", "content": "TITLE: x"}}})
	return body
}

// TestPromptCacheLooksBackForEarlierPrefix: a checkpoint further on still
// reads the prefix an earlier request cached a few blocks before it, and
// writes only the blocks after it.
func TestPromptCacheLooksBackForEarlierPrefix(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	extra := "Canonical lists follow. COMPANIES: Acme Pharma; Medincell; Nanexa."
	first := invokeCached(t, c, sonnet, blocksBody([]string{longSystem}, []string{""}))
	u := invokeCached(t, c, sonnet, blocksBody([]string{longSystem, extra, extra}, []string{"none", "none", ""}))
	if u.Read != first.Write || u.Write != 2*countTokens(extra) {
		t.Errorf("after a cached first block: %+v, want read %d and write %d", u, first.Write, 2*countTokens(extra))
	}
}

// TestPromptCacheTTLOrder: a 1-hour checkpoint after a 5-minute one is
// refused, the other way round is accepted.
func TestPromptCacheTTLOrder(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	invokeCached(t, c, sonnet, blocksBody([]string{longSystem, "more"}, []string{"1h", "5m"}))
	_, err := c.InvokeModel(t.Context(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet),
		Body: blocksBody([]string{longSystem, "more"}, []string{"5m", "1h"}), ContentType: aws.String("application/json")})
	if err == nil || !strings.Contains(err.Error(), "must not come after") {
		t.Errorf("1h after 5m: err = %v, want a ValidationException", err)
	}
}
