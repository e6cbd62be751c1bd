package bedrock

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// cachedOK answers an InvokeModel with cache counts in the body (when
// body) or only in the headers.
func cachedOK(body bool) answer {
	return func(w http.ResponseWriter, _ *http.Request) {
		out := map[string]any{"type": "message", "role": "assistant", "stop_reason": "end_turn",
			"content": []map[string]string{{"type": "text", "text": "ok"}}}
		if body {
			out["usage"] = map[string]int{"input_tokens": 40, "output_tokens": 10,
				"cache_read_input_tokens": 1300, "cache_creation_input_tokens": 0}
		} else {
			h := w.Header()
			h.Set(headerInputTokens, "40")
			h.Set(headerOutputTokens, "10")
			h.Set(headerCacheReadTokens, "1300")
			h.Set(headerCacheWriteTokens, "0")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
}

// TestCacheUsage reads cache reads from the body, or from the headers when
// the body has no usage, and prices them.
func TestCacheUsage(t *testing.T) {
	price := model.Price{Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.3}
	for name, body := range map[string]bool{"body": true, "headers": false} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, newServer(t, cachedOK(body)), newLedger(t), WithPrice(price))
			res, err := c.Call(t.Context(), prompt)
			if err != nil {
				t.Fatal(err)
			}
			u := res.Usage
			want := (40*3 + 1300*0.3 + 10*15) / 1e6
			if u.InputTokens != 40 || u.OutputTokens != 10 || u.CacheReadInputTokens != 1300 || u.CacheWriteInputTokens != 0 ||
				u.TotalInputTokens() != 1340 || u.CostUSD != want {
				t.Errorf("usage %+v, want 40 in, 1,300 read, 10 out, cost %g", u, want)
			}
		})
	}
}
