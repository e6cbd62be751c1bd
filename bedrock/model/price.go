package model

import "fmt"

// Price is what one million tokens of each kind cost in US dollars, a
// plain value.
type Price struct {
	Input      float64 `json:"input"`       // uncached input
	Output     float64 `json:"output"`      // generated tokens
	CacheWrite float64 `json:"cache_write"` // input written to the prompt cache
	CacheRead  float64 `json:"cache_read"`  // input read from the prompt cache
}

// PricesDate is when the default prices were read from the Amazon Bedrock
// pricing page (on-demand, global profiles; the geographic "eu."/"us."
// profiles of the 4.5 models cost about 10 % more). They are list prices:
// configure the ones your account pays.
const PricesDate = "2026-12-02"

// prices lists the default prices by foundation-model prefix, the more
// specific first. Cache writes are 1.25 × input (5-minute lifetime),
// cache reads 0.1 ×.
var prices = []byPrefix[Price]{
	{"anthropic.claude-haiku-4-5", Price{Input: 1, Output: 5, CacheWrite: 1.25, CacheRead: 0.10}},
	{"anthropic.claude-opus-4-5", Price{Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50}},
	{"anthropic.claude-opus-4-6", Price{Input: 5, Output: 25, CacheWrite: 6.25, CacheRead: 0.50}},
	{"anthropic.claude-opus-4", Price{Input: 15, Output: 75, CacheWrite: 18.75, CacheRead: 1.50}},
	{"anthropic.claude-sonnet-4", Price{Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.30}},
	{"anthropic.claude-3-7-sonnet", Price{Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.30}},
	{"anthropic.claude-3-5-haiku", Price{Input: 0.8, Output: 4, CacheWrite: 1, CacheRead: 0.08}},
	{"anthropic.claude-3-sonnet", Price{Input: 3, Output: 15}},
	{"anthropic.claude-3-haiku", Price{Input: 0.25, Output: 1.25}},
}

// DefaultPrice returns the list price of the model or inference profile
// id as of PricesDate, and false when it is not known.
func DefaultPrice(id string) (Price, bool) { return lookup(prices, id) }

// Cost returns the dollars of a call that used these tokens.
func (p Price) Cost(input, cacheWrite, cacheRead, output int64) float64 {
	return (float64(input)*p.Input + float64(cacheWrite)*p.CacheWrite +
		float64(cacheRead)*p.CacheRead + float64(output)*p.Output) / 1e6
}

// Check reports a negative price.
func (p Price) Check() error {
	if p.Input < 0 || p.Output < 0 || p.CacheWrite < 0 || p.CacheRead < 0 {
		return fmt.Errorf("model: price %+v: want no negative price", p)
	}
	return nil
}
