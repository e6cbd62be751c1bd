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
//   - the longest prefix found and not expired is read (its lifetime starts
//     again); the prefix up to the last checkpoint beyond it is written
//     when the call completes, so calls that start before the first one
//     ends all miss and write, as Bedrock may do;
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

// promptCache holds the cached prefixes of every model with their expiry
// in emulated time. It is safe for concurrent use.
type promptCache struct {
	mu      sync.Mutex
	expires map[cacheKey]time.Time
}

// maxCacheEntries is when expired entries are swept.
const maxCacheEntries = 4096

// clear forgets every prefix.
func (c *promptCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expires = nil
}

// checkCache returns a ValidationException when a checkpoint of req asks
// for a lifetime the model id does not offer.
func checkCache(id string, req request) error {
	caching, ok := model.Cache(id)
	if !ok {
		return nil
	}
	for _, cp := range req.checkpoints {
		if _, ok := caching.TTL(cp.ttl); !ok {
			return validation("cache_control.ttl: %q is not supported by this model", cp.ttl)
		}
	}
	return nil
}

// plan splits the input of req sent to id at now: the longest cached
// prefix is read and refreshed, the prefixes beyond it are to be written.
// The checkpoints have passed checkCache.
func (c *promptCache) plan(id string, req request, now time.Time) cacheUse {
	var use cacheUse
	caching, ok := model.Cache(id)
	if !ok || len(req.checkpoints) == 0 {
		return use
	}
	type mark struct {
		key    cacheKey
		tokens int
		ttl    time.Duration
	}
	var marks []mark
	for _, cp := range req.checkpoints {
		ttl, _ := caching.TTL(cp.ttl)
		sys, msgs, roles := req.prefix(cp)
		if n := promptTokens(sys, msgs); n >= caching.MinTokens {
			marks = append(marks, mark{cacheKey{id, prefixHash(sys, msgs, roles)}, n, ttl})
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	hit := -1
	for i := len(marks) - 1; i >= 0; i-- {
		if exp, ok := c.expires[marks[i].key]; ok && now.Before(exp) {
			hit = i
			c.expires[marks[i].key] = now.Add(marks[i].ttl)
			use.read = marks[i].tokens
			break
		}
	}
	done := use.read
	for _, m := range marks[hit+1:] {
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

// commit stores the prefixes a completed call wrote.
func (c *promptCache) commit(writes []cacheWrite, now time.Time) {
	if len(writes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expires == nil {
		c.expires = map[cacheKey]time.Time{}
	}
	if len(c.expires) >= maxCacheEntries {
		for k, exp := range c.expires {
			if !now.Before(exp) {
				delete(c.expires, k)
			}
		}
	}
	for _, w := range writes {
		if exp := now.Add(w.ttl); exp.After(c.expires[w.key]) {
			c.expires[w.key] = exp
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
}
