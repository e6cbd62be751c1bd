package emulator

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// Prompt caching, as Bedrock does it for the models package model lists:
//
//   - a checkpoint (cache_control on an Anthropic block, a cachePoint block
//     in Converse) caches the prompt up to it, keyed by that exact prefix
//     (roles and texts of the blocks before it) and by the model id as
//     sent; a Server is one account;
//   - a checkpoint after fewer than the model's minimum tokens (counted
//     from the start of the prompt) caches nothing, and the call succeeds;
//     a model without caching ignores checkpoints;
//   - the longest prefix found and not expired, at a checkpoint or at one of
//     the 20 block boundaries before it, is read (its lifetime starts
//     again); the prefix up to the last checkpoint beyond it is written
//     when the call completes, so calls that start before the first one
//     ends all miss and write, as Bedrock may do;
//   - checkpoints with a longer lifetime come before shorter ones;
//   - lifetimes are emulated time: 5 minutes unless the checkpoint asks for
//     another one the model offers ("1h").
//
// A call's input then splits into cache reads, cache writes and the rest
// (input_tokens); admission reserves all three, settlement charges writes
// and the rest and releases reads.

// maxCheckpoints is the most checkpoints Bedrock accepts in one request.
const maxCheckpoints = 4

// checkpoint is where a request asks for a cache checkpoint: after the
// first blocks text blocks of the system prompt (msg < 0) or of message
// msg.
type checkpoint struct {
	msg    int
	blocks int
	ttl    string // as sent: "", "5m", "1h"
}

// cacheKey names one cached prefix of one model.
type cacheKey struct {
	model  string
	prefix [sha256.Size]byte
}

// cacheWrite is a prefix a call writes when it completes.
type cacheWrite struct {
	key cacheKey
	ttl time.Duration
}

// cacheUse is how a call's input splits, decided at its start.
type cacheUse struct {
	read, write int
	byTTL       map[time.Duration]int // written tokens by lifetime
	writes      []cacheWrite
}

// promptCache holds the cached prefixes of every model. It is safe for
// concurrent use.
type promptCache struct {
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

// cacheEntry is one cached prefix: its expiry in emulated time and the
// lifetime each hit gives it again.
type cacheEntry struct {
	expires time.Time
	ttl     time.Duration
}

// maxCacheEntries is when expired entries are swept.
const maxCacheEntries = 4096

// clear forgets every prefix.
func (c *promptCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}

// checkCache returns a ValidationException when a checkpoint of req asks
// for a lifetime the model id does not offer.
func checkCache(id string, req request) error {
	caching, ok := model.Cache(id)
	if !ok {
		return nil
	}
	var shortest time.Duration
	for _, cp := range req.checkpoints {
		ttl, ok := caching.TTL(cp.ttl)
		if !ok {
			return validation("cache_control.ttl: %q is not supported by this model", cp.ttl)
		}
		if shortest > 0 && ttl > shortest {
			return validation("a ttl=%q checkpoint must not come after a ttl=%q checkpoint", model.TTLName(ttl), model.TTLName(shortest))
		}
		if shortest == 0 || ttl < shortest {
			shortest = ttl
		}
	}
	return nil
}

// lookback is how many block boundaries before a checkpoint are checked
// for a cached prefix ("about 20 blocks").
const lookback = 20

// mark is a prefix of a request: its key, tokens and the lifetime its
// checkpoint asks for.
type mark struct {
	key    cacheKey
	tokens int
	ttl    time.Duration
}

// plan splits the input of req sent to id at now: the longest cached
// prefix ending at a checkpoint or up to lookback blocks before one is
// read and its lifetime starts again; the checkpoints beyond it that reach
// the model's minimum are to be written. The checkpoints have passed
// checkCache.
func (c *promptCache) plan(id string, req request, now time.Time) cacheUse {
	var use cacheUse
	caching, ok := model.Cache(id)
	if !ok || len(req.checkpoints) == 0 {
		return use
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	use.read = c.read(id, req, now)
	done := use.read
	for _, cp := range req.checkpoints {
		m := req.mark(id, cp, caching)
		if m.tokens <= done || m.tokens < caching.MinTokens {
			continue
		}
		if use.byTTL == nil {
			use.byTTL = map[time.Duration]int{}
		}
		use.byTTL[m.ttl] += m.tokens - done
		use.writes = append(use.writes, cacheWrite{m.key, m.ttl})
		done = m.tokens
	}
	use.write = done - use.read
	return use
}

// read finds the longest live prefix of req among the boundaries at and
// before its checkpoints, refreshes it and returns its tokens (0 for none).
func (c *promptCache) read(id string, req request, now time.Time) int {
	var best cacheKey
	tokens := 0
	bounds := req.boundaries()
	for _, cp := range req.checkpoints {
		for _, b := range lookbackFrom(bounds, cp) {
			m := req.mark(id, b, model.Caching{})
			if e, ok := c.entries[m.key]; ok && now.Before(e.expires) && m.tokens > tokens {
				best, tokens = m.key, m.tokens
			}
		}
	}
	if tokens > 0 {
		e := c.entries[best]
		e.expires = now.Add(e.ttl)
		c.entries[best] = e
	}
	return tokens
}

// mark returns the prefix of req up to cp.
func (r request) mark(id string, cp checkpoint, caching model.Caching) mark {
	sys, msgs, roles := r.prefix(cp)
	ttl, _ := caching.TTL(cp.ttl)
	return mark{cacheKey{id, prefixHash(sys, msgs, roles)}, promptTokens(sys, msgs), ttl}
}

// boundaries lists the end of every text block of r, in prompt order.
func (r request) boundaries() []checkpoint {
	var out []checkpoint
	for j := range r.system {
		out = append(out, checkpoint{msg: -1, blocks: j + 1})
	}
	for i, m := range r.messages {
		for j := range m {
			out = append(out, checkpoint{msg: i, blocks: j + 1})
		}
	}
	return out
}

// lookbackFrom returns cp and the lookback boundaries before it.
func lookbackFrom(bounds []checkpoint, cp checkpoint) []checkpoint {
	for i, b := range bounds {
		if b.msg == cp.msg && b.blocks == cp.blocks {
			return bounds[max(0, i-lookback) : i+1]
		}
	}
	return []checkpoint{cp} // a checkpoint before any text of its section
}

// commit stores the prefixes a completed call wrote.
func (c *promptCache) commit(writes []cacheWrite, now time.Time) {
	if len(writes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[cacheKey]cacheEntry{}
	}
	if len(c.entries) >= maxCacheEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	for _, w := range writes {
		if exp := now.Add(w.ttl); exp.After(c.entries[w.key].expires) {
			c.entries[w.key] = cacheEntry{expires: exp, ttl: w.ttl}
		}
	}
}

// add appends a message of role with its blocks and checkpoints.
func (r *request) add(role string, l blockList) {
	r.checkpoints = append(r.checkpoints, l.checkpoints(len(r.messages))...)
	r.messages, r.roles = append(r.messages, l.texts), append(r.roles, role)
}

// checkCount returns a ValidationException, worded by format (%[1]d the
// checkpoints, %[2]d the maximum), when r has too many checkpoints.
func (r request) checkCount(format string) error {
	if n := len(r.checkpoints); n > maxCheckpoints {
		return validation(format, n, maxCheckpoints)
	}
	return nil
}

// prefix returns the system blocks, messages and roles of req up to cp.
func (r request) prefix(cp checkpoint) (system []string, messages [][]string, roles []string) {
	if cp.msg < 0 {
		return r.system[:cp.blocks], nil, nil
	}
	messages = append(append([][]string{}, r.messages[:cp.msg]...), r.messages[cp.msg][:cp.blocks])
	return r.system, messages, r.roles[:cp.msg+1]
}

// prefixHash hashes the exact texts and roles of a prefix, each part
// length-prefixed so that no two prefixes share a hash input.
func prefixHash(system []string, messages [][]string, roles []string) [sha256.Size]byte {
	h := sha256.New()
	part := func(tag byte, s string) {
		var n [9]byte
		n[0] = tag
		for i, l := 1, uint64(len(s)); i < 9; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, s := range system {
		part('s', s)
	}
	for i, m := range messages {
		part('r', roles[i])
		for _, s := range m {
			part('m', s)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// startCache splits the input of an admitted call to e, in res; the
// writes are returned for settlement.
func (s *Server) startCache(e *modelEntry, req request, res *result) []cacheWrite {
	s.mu.Lock()
	now := s.nowLocked()
	s.mu.Unlock()
	use := s.prompts.plan(e.id, req, now)
	res.cacheRead, res.cacheWrite, res.cacheByTTL = use.read, use.write, use.byTTL
	res.input -= use.read + use.write
	return use.writes
}

// settled is what a completed call is charged against the quota: input
// and cache writes, plus output × burndown; cache reads are released.
func (r result) settled(burndown float64) int {
	return r.input + r.cacheWrite + int(math.Ceil(float64(r.output)*burndown))
}

// countCache adds the cache tokens of a completed call.
func (m *ModelStats) countCache(r result) {
	m.CacheReadInputTokens += int64(r.cacheRead)
	m.CacheWriteInputTokens += int64(r.cacheWrite)
	if r.cacheRead > 0 {
		m.CacheHits++
	}
	if r.cacheWrite > 0 {
		m.CacheWrites++
	}
}
