package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/bedrock/model"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// CacheRun is the coordinated strategy at K = Config.Compare with or
// without prompt caching, measured on the emulator: what the calls were
// charged and what they cost.
type CacheRun struct {
	Metrics
	Cached      bool
	Completed   int64 // calls the emulator completed
	Hits        int64 // of which read the cached system prompt
	Input       int64 // uncached input tokens
	CacheRead   int64
	CacheWrite  int64
	Output      int64
	ItemsPerMin float64 // items ÷ makespan
	// SettledPerItem is what the emulator settled per completed call:
	// uncached input + cache writes spread over the calls + burndown ×
	// output, cache reads released.
	SettledPerItem float64
	// Limit is the quota-bound throughput TPM ÷ SettledPerItem, items per
	// minute.
	Limit       float64
	CostPer1000 float64 // dollars per 1,000 items at the model's list price
}

// CacheComparison is the cached and the uncached run on the same quota
// and items.
type CacheComparison struct {
	Cached, Uncached CacheRun
	Price            model.Price
}

// compareCaching runs the coordinated strategy at K with and without
// prompt caching.
func (e *env) compareCaching(ctx context.Context, k int) (*CacheComparison, error) {
	price, _ := model.DefaultPrice(ModelID)
	c := &CacheComparison{Price: price}
	for _, cached := range []bool{false, true} {
		s := scenario{strategy: Coordinated, k: k, uncached: !cached, label: "coordinated, uncached"}
		if cached {
			s.label = "coordinated, prompt cache"
		}
		m, err := e.run(ctx, s)
		if err != nil {
			return nil, err
		}
		run := newCacheRun(m, cached, e.emu.Stats().Models[ModelID], price, float64(e.cfg.Quota.TPM))
		if cached {
			c.Cached = run
		} else {
			c.Uncached = run
		}
	}
	return c, nil
}

func newCacheRun(m Metrics, cached bool, st emulator.ModelStats, price model.Price, tpm float64) CacheRun {
	r := CacheRun{Metrics: m, Cached: cached, Completed: st.Completed, Hits: st.CacheHits, Input: st.InputTokens,
		CacheRead: st.CacheReadInputTokens, CacheWrite: st.CacheWriteInputTokens, Output: st.OutputTokens}
	r.ItemsPerMin = ratio(float64(m.Items), m.Makespan.Minutes())
	r.SettledPerItem = ratio(float64(st.TokensSettled), float64(st.Completed))
	r.Limit = ratio(tpm, r.SettledPerItem)
	cost := price.Cost(r.Input, r.CacheWrite, r.CacheRead, r.Output)
	r.CostPer1000 = ratio(1000*cost, float64(m.Items))
	return r
}

// markdown writes the comparison table and its target lines.
func (c *CacheComparison) markdown(b *strings.Builder, tpm int) {
	fmt.Fprintf(b, "\nPrompt caching, coordinated at K = %d, same quota (%d TPM) and items; prices of %s ($/M tokens: input %g, output %g, cache write %g, cache read %g):\n\n",
		c.Cached.K, tpm, model.PricesDate, c.Price.Input, c.Price.Output, c.Price.CacheWrite, c.Price.CacheRead)
	b.WriteString("| run | items/min | makespan (min) | settled tokens/item | limit (items/min) | utilization | calls (cache hits) | input / cache read / cache write / output tokens | cost per 1,000 items | throttle rate |\n")
	b.WriteString("| --- | --: | --: | --: | --: | --: | --: | --- | --: | --: |\n")
	for _, r := range []CacheRun{c.Uncached, c.Cached} {
		fmt.Fprintf(b, "| %s | %.1f | %.2f | %.0f | %.1f | %s | %d (%d) | %d / %d / %d / %d | $%.3f | %s |\n",
			r.Label, r.ItemsPerMin, r.Makespan.Minutes(), r.SettledPerItem, r.Limit, pct(r.Utilization), r.Completed, r.Hits,
			r.Input, r.CacheRead, r.CacheWrite, r.Output, r.CostPer1000, pct(r.ThrottleRate))
	}
	b.WriteString("\n")
	for _, v := range c.verdicts() {
		b.WriteString(v + "\n")
	}
}

// verdicts are the PASS/FAIL lines of the caching targets.
func (c *CacheComparison) verdicts() []string {
	speed := ratio(c.Cached.ItemsPerMin, c.Uncached.ItemsPerMin)
	tokens := ratio(c.Cached.SettledPerItem, c.Uncached.SettledPerItem)
	return []string{
		verdict(speed >= 1.8, "prompt cache: items per minute >= 1.8 x uncached: %.2f x", speed),
		verdict(tokens <= 0.55, "prompt cache: settled tokens per item <= 55 %% of uncached: %s", pct(tokens)),
		verdict(c.Cached.Utilization >= 0.9, "prompt cache: utilization >= 90 %% of the cached limit (TPM / %.0f settled tokens per item): %s",
			c.Cached.SettledPerItem, pct(c.Cached.Utilization)),
	}
}

// sharedCalls counts the items that took an identical prompt's answer:
// they made no call and are not failed items.
func sharedCalls(resps []*pipeline.Response) int {
	n := 0
	for _, r := range resps {
		if r != nil {
			n += r.Bedrock.SharedCalls
		}
	}
	return n
}
