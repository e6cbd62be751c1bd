package pipeline

import (
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/normalize"
)

// cacheTally sums the prompt-cache tokens, the cost and the shared calls
// of a run; the tally's mutex guards it.
type cacheTally struct {
	read, write int64
	cost        float64
	shared      int
}

func (c *cacheTally) add(u bedrock.Usage) {
	c.read += u.CacheReadInputTokens
	c.write += u.CacheWriteInputTokens
	c.cost += u.CostUSD
}

func (c *cacheTally) fill(b *BedrockStats) {
	b.TokensCacheRead, b.TokensCacheWrite, b.CostUSD, b.SharedCalls = c.read, c.write, c.cost, c.shared
}

// sharedCall counts an item that took another item's answer.
func (t *tally) sharedCall() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cache.shared++
}

// recordUsage is the usage a record carries for a call.
func recordUsage(u bedrock.Usage) normalize.Usage {
	return normalize.Usage{InputTokens: int(u.InputTokens), OutputTokens: int(u.OutputTokens),
		CacheReadInputTokens: int(u.CacheReadInputTokens), CacheWriteInputTokens: int(u.CacheWriteInputTokens),
		CostUSD: u.CostUSD}
}
