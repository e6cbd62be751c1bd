package normalize

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
)

func TestRecords(t *testing.T) {
	it := item.Raw{ItemID: "s_1", SourceKey: "s", SourceType: "press_sector", Title: "A title", URL: "https://x", PublishedAt: "2025-12-21", Language: "en", ContentHash: "sha256:00"}
	meta := Meta{ModelID: "m", Usage: Usage{InputTokens: 700, OutputTokens: 120}, Attempts: 2,
		Run: Run{HolderID: "h", Fence: 7}, At: time.Date(2025, 12, 21, 10, 0, 0, 0, time.FixedZone("CET", 3600))}
	tests := []struct {
		name string
		rec  Record
		want []string
		not  []string
	}{
		{"ok", OK(it, Normalized{Summary: "S.", EventType: "regulatory", EventConfidence: 0.9}, meta),
			[]string{`"normalization_status":"ok"`, `"summary":"S."`, `"companies":[]`, `"input_tokens":700`, `"fence":7`, `"normalized_at":"2025-12-21T09:00:00Z"`, `"attempts":2`, `"model_id":"m"`},
			[]string{`"reason"`, `"date"`}},
		{"fallback", Fallback(it, "answer holds no JSON object", meta),
			[]string{`"normalization_status":"fallback"`, `"reason":"answer holds no JSON object"`, `"summary":"A title"`, `"event_type":"other"`, `"trademarks":[]`},
			nil},
		{"fallback empty item", Fallback(item.Raw{ItemID: "e", Content: strings.Repeat("c", 500)}, "", meta),
			[]string{`"reason":"unspecified"`, `"summary":"` + strings.Repeat("c", 300) + `"`}, nil},
		{"failed", Failed(it, "throttled\nafter 4 attempts", meta),
			[]string{`"normalization_status":"failed"`, `"reason":"throttled after 4 attempts"`, `"title":"A title"`},
			[]string{`"summary"`, `"event_type"`, `"entities"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %s", b, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(string(b), w) {
					t.Errorf("%s has %s", b, w)
				}
			}
			var back Record
			if err := json.Unmarshal(b, &back); err != nil || back.Status != tt.rec.Status || (back.Normalized == nil) != (tt.rec.Normalized == nil) {
				t.Errorf("round trip: %v %+v", err, back)
			}
		})
	}
}
