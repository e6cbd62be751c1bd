package bench

import (
	"math"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/bedrock/model"
)

// TestCacheRun checks the figures of a caching run: settled tokens and
// limit from the emulator, cost at the price, items per minute.
func TestCacheRun(t *testing.T) {
	st := emulator.ModelStats{Completed: 100, InputTokens: 30_000, CacheReadInputTokens: 130_000, CacheWriteInputTokens: 1_300,
		OutputTokens: 11_000, TokensSettled: 30_000 + 1_300 + 5*11_000}
	price := model.Price{Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.3}
	r := newCacheRun(Metrics{Items: 100, Makespan: 2 * time.Minute}, true, st, price, 100_000)
	if r.ItemsPerMin != 50 || r.SettledPerItem != 863 || math.Abs(r.Limit-100_000.0/863) > 1e-9 {
		t.Errorf("run %+v", r)
	}
	want := 1000 * (30_000*3 + 1_300*3.75 + 130_000*0.3 + 11_000*15) / 1e6 / 100
	if math.Abs(r.CostPer1000-want) > 1e-9 {
		t.Errorf("cost per 1,000 items %g, want %g", r.CostPer1000, want)
	}
}
