package bedrock

import (
	"fmt"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// cacheConfig is the prompt caching and pricing part of a Client's
// options.
type cacheConfig struct {
	cacheOn bool          // WithPromptCache(true)
	ttl     time.Duration // WithCacheTTL; 0: the model's default
	price   *model.Price  // WithPrice; nil: no cost

	// Resolved by New.
	caching  bool   // checkpoints are sent
	cacheTTL string // as sent: "" or "1h"
	priceOf  model.Price
}

// WithPromptCache sets whether the Client puts a cache checkpoint after
// the system prompt (default off: a prefix written and never read costs
// 1.25 × input). It has an effect only for models that cache prompts
// (package bedrock/model); others get no checkpoint. Turn it on when many
// calls share the same system text, byte for byte.
func WithPromptCache(on bool) Option { return func(c *config) { c.cacheOn = on } }

// WithCacheTTL asks for a lifetime of the cached prefix other than the
// model's default (5 minutes); New fails when the model does not offer it
// (1 hour on the Claude 4.5 models).
func WithCacheTTL(d time.Duration) Option { return func(c *config) { c.ttl = d } }

// WithPrice sets the dollars per million tokens of Usage.CostUSD (default
// none: CostUSD stays 0). model.DefaultPrice has the list prices.
func WithPrice(p model.Price) Option { return func(c *config) { c.price = &p } }

// resolveCache decides checkpoints, lifetime and price for modelID.
func (c *cacheConfig) resolveCache(modelID string) error {
	caching, ok := model.Cache(modelID)
	c.caching = ok && c.cacheOn
	if c.caching && c.ttl > 0 {
		def, _ := caching.TTL("")
		name := model.TTLName(c.ttl)
		if _, ok := caching.TTL(name); !ok {
			return fmt.Errorf("bedrock: WithCacheTTL(%v): %s does not offer it", c.ttl, modelID)
		}
		if c.ttl != def {
			c.cacheTTL = name
		}
	}
	if c.price != nil {
		if err := c.price.Check(); err != nil {
			return fmt.Errorf("bedrock: WithPrice: %w", err)
		}
		c.priceOf = *c.price
	}
	return nil
}

// Caches reports whether the Client sends cache checkpoints.
func (c *Client) Caches() bool { return c.cfg.caching }

// Price returns the price the Client's costs are computed with.
func (c *Client) Price() model.Price { return c.cfg.priceOf }
