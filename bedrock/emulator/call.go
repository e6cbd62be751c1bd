package emulator

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
)

// request is a model call once its wire format is decoded.
type request struct {
	system      []string   // system prompt blocks
	messages    [][]string // text blocks of each message
	roles       []string   // of each message
	checkpoints []checkpoint
	maxTokens   int // what the call reserves for output
}

// result is the answer to a call, with its usage.
type result struct {
	text          string
	truncated     bool // stopped at max_tokens
	input, output int  // input: neither read from nor written to the cache
	cacheRead     int
	cacheWrite    int
	cacheByTTL    map[time.Duration]int // cache writes by lifetime
	latency       time.Duration         // emulated
}

// inputTokens returns the tokens the request is charged for.
func (r request) inputTokens() int { return promptTokens(r.system, r.messages) }

// prompt returns the text the answer is made from: the system prompt and
// every message.
func (r request) prompt() string {
	var parts []string
	parts = append(parts, r.system...)
	for _, m := range r.messages {
		parts = append(parts, m...)
	}
	return strings.Join(parts, "\n")
}

// call runs a model call through fault injection, admission, answer,
// latency and settlement. It returns an *apiError when the call fails.
func (s *Server) call(ctx context.Context, e *modelEntry, req request) (result, error) {
	if err := checkCache(e.id, req); err != nil {
		return result{}, err
	}
	n := s.calls.Add(1)
	settings := s.Settings()
	if f := settings.Faults.serverFault(settings.Seed, n); f != faultNone {
		s.count(e, func(m *ModelStats) { m.Faults.count(f) })
		return result{}, serverFault(f)
	}
	res := result{input: req.inputTokens()}
	reserve := res.input + int(math.Ceil(float64(req.maxTokens)*reserveFactor(settings, e)))
	if err := s.admit(e, reserve); err != nil {
		return result{}, err
	}
	writes := s.startCache(e, req, &res)
	res.text, res.truncated = s.compose(e, req, settings, n)
	res.output = countTokens(res.text)
	slow := settings.Faults.slowFactor(settings.Seed, n)
	if slow > 1 {
		s.count(e, func(m *ModelStats) { m.Faults.count(faultSlow) })
	}
	res.latency = time.Duration(float64(settings.Latency.duration(res.input+res.cacheWrite, res.output, hashText(req.prompt()))) * slow)
	err := s.wait(ctx, res.latency, settings.TimeScale)
	used := res.settled(e.burndown)
	if err != nil {
		used = reserve // abandoned: the reservation stays charged
	}
	s.settle(e, reserve, used, res, writes)
	return res, err
}

// reserveFactor is what max_tokens is multiplied by in a reservation.
func reserveFactor(settings Settings, e *modelEntry) float64 {
	if settings.ReserveBurndown {
		return e.burndown
	}
	return 1
}

// compose makes the answer text of call n, spoiled by an injected fault if
// any, cut to max_tokens.
func (s *Server) compose(e *modelEntry, req request, settings Settings, n uint64) (string, bool) {
	text := s.cache.get(req.prompt())
	switch f := settings.Faults.answerFault(settings.Seed, n); f {
	case faultNotJSON:
		text = notJSON
		s.count(e, func(m *ModelStats) { m.Faults.count(f) })
	case faultFenced:
		text = "```json\n" + text + "\n```"
		s.count(e, func(m *ModelStats) { m.Faults.count(f) })
	}
	return truncateTokens(text, req.maxTokens)
}

// notJSON is the prose Claude sometimes writes instead of the JSON asked for.
const notJSON = "I could not produce a reliable structured record for this item. " +
	"In short, it reports a pharmaceutical industry update; details are in the source text."

// admit charges the reservation, or counts the throttle and returns it.
func (s *Server) admit(e *modelEntry, reserve int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := e.quota.admit(float64(reserve), s.nowLocked())
	switch kind {
	case quotaRequests:
		e.stats.Throttled.Requests++
		return throttled(kind)
	case quotaTokens:
		e.stats.Throttled.Tokens++
		return throttled(kind)
	case quotaDay:
		e.stats.Throttled.Day++
		return throttled(kind)
	}
	e.stats.Admitted++
	e.stats.TokensReserved += int64(reserve)
	e.stats.InFlight++
	e.stats.PeakInFlight = max(e.stats.PeakInFlight, e.stats.InFlight)
	return nil
}

// wait plays an emulated latency in real time, shrunk by the time scale.
func (s *Server) wait(ctx context.Context, latency time.Duration, scale float64) error {
	d := time.Duration(float64(latency) / scale)
	if d <= 0 {
		return ctx.Err()
	}
	return clock.Sleep(ctx, s.clock, d)
}

// settle replaces the reservation by used: input + cache writes + output ×
// burndown (result.settled), or the reservation itself for a call whose
// client went away before the answer (the model ran, and its usage was
// never reported to the client); it stores the prefixes the call wrote.
func (s *Server) settle(e *modelEntry, reserve, used int, res result, writes []cacheWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	s.prompts.commit(writes, now)
	e.stats.countCache(res)
	e.quota.settle(float64(reserve), float64(used), now)
	e.stats.InFlight--
	e.stats.Completed++
	e.stats.TokensSettled += int64(used)
	e.stats.InputTokens += int64(res.input)
	e.stats.OutputTokens += int64(res.output)
	e.stats.record(int64(used), now, s.realEpoch)
}

// count updates e's counters under the lock.
func (s *Server) count(e *modelEntry, f func(*ModelStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&e.stats)
}

// lookup returns the entry of the id as sent, or counts an unknown model.
func (s *Server) lookup(id string) (*modelEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.models[id]
	if !ok {
		s.unknown++
		return nil, notFound(id)
	}
	return e, nil
}
