package model

import (
	"strconv"
	"strings"
	"time"
)

// Caching is how Bedrock caches prompt prefixes for one model, a plain
// value.
type Caching struct {
	// MinTokens is the smallest prefix a checkpoint caches: a checkpoint
	// after fewer tokens is accepted and caches nothing.
	MinTokens int
	// MaxCheckpoints is the most checkpoints one request may carry.
	MaxCheckpoints int
	// TTLs are the lifetimes a checkpoint may ask for, the default first.
	// Each hit starts the lifetime again.
	TTLs []time.Duration
}

// DefaultTTL is the lifetime of a cached prefix when the checkpoint names
// none.
const DefaultTTL = 5 * time.Minute

// Lifetimes a checkpoint can ask for.
var (
	ttlDefault = []time.Duration{DefaultTTL}
	ttlHour    = []time.Duration{DefaultTTL, time.Hour}
)

// cachings lists prompt caching by foundation-model prefix, the more
// specific prefixes first (Bedrock user guide, "Prompt caching", supported
// models; the minimum is per checkpoint, counted from the start of the
// prompt). Models not listed do not cache.
var cachings = []byPrefix[Caching]{
	{"anthropic.claude-haiku-4-5", Caching{MinTokens: 4096, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-sonnet-4-5", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-sonnet-4-6", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-opus-4-5", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-opus-4-6", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-opus-4-7", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlHour}},
	{"anthropic.claude-sonnet-4", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlDefault}},
	{"anthropic.claude-opus-4", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlDefault}},
	{"anthropic.claude-3-7-sonnet", Caching{MinTokens: 1024, MaxCheckpoints: 4, TTLs: ttlDefault}},
	{"anthropic.claude-3-5-haiku", Caching{MinTokens: 2048, MaxCheckpoints: 4, TTLs: ttlDefault}},
	{"amazon.nova-", Caching{MinTokens: 1000, MaxCheckpoints: 4, TTLs: ttlDefault}},
}

// Cache returns how the model or inference profile id caches prompts, and
// false when it does not: a client then sends no checkpoint.
func Cache(id string) (Caching, bool) { return lookup(cachings, id) }

// byPrefix is one row of a per-model table: the value of the foundation
// models whose id starts with prefix.
type byPrefix[T any] struct {
	prefix string
	value  T
}

// lookup returns the value of the first row whose prefix starts the
// foundation-model id behind id.
func lookup[T any](table []byPrefix[T], id string) (T, bool) {
	base := Base(id)
	for _, row := range table {
		if strings.HasPrefix(base, row.prefix) {
			return row.value, true
		}
	}
	var zero T
	return zero, false
}

// TTL returns the lifetime named by a checkpoint ("5m", "1h"; "" for the
// default), and false when the model does not offer it.
func (c Caching) TTL(name string) (time.Duration, bool) {
	if name == "" {
		if len(c.TTLs) == 0 {
			return 0, false
		}
		return c.TTLs[0], true
	}
	d, err := time.ParseDuration(name)
	if err != nil {
		return 0, false
	}
	for _, t := range c.TTLs {
		if t == d {
			return d, true
		}
	}
	return 0, false
}

// TTLName returns the wire name of a lifetime: "5m", "1h".
func TTLName(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}
