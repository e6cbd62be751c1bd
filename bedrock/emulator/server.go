package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an in-process Bedrock Runtime: an http.Handler that answers
// InvokeModel, Converse and CountTokens as the AWS SDK sends them, enforces
// per-model quotas, plays latencies and injects faults, plus GET /stats,
// GET /settings and POST /reset. It is safe for concurrent use.
type Server struct {
	clock Clock
	mux   *http.ServeMux
	calls atomic.Uint64 // numbers calls for fault injection
	cache answerCache
	// prompts is the prompt cache (cache.go), emptied by Reset.
	prompts promptCache

	mu        sync.Mutex
	settings  Settings
	models    map[string]*modelEntry
	unknown   int64
	realEpoch time.Time // clock time of the last reset
}

// modelEntry is the quota and counters of one served id, guarded by
// Server.mu.
type modelEntry struct {
	id       string
	burndown float64
	quota    *quota
	stats    ModelStats
}

// New returns a Server with DefaultSettings changed by opts, or a
// *SettingsError.
func New(opts ...Option) (*Server, error) {
	c := config{settings: DefaultSettings(), clock: realClock{}}
	for _, o := range opts {
		o(&c)
	}
	if err := c.settings.validate(); err != nil {
		return nil, err
	}
	s := &Server{clock: c.clock, settings: c.settings}
	s.routes()
	s.Reset()
	return s, nil
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /model/{modelId}/invoke", s.serveInvoke)
	s.mux.HandleFunc("POST /model/{modelId}/converse", s.serveConverse)
	s.mux.HandleFunc("POST /model/{modelId}/count-tokens", s.serveCountTokens)
	s.mux.HandleFunc("GET /stats", s.serveStats)
	s.mux.HandleFunc("GET /settings", s.serveSettings)
	s.mux.HandleFunc("POST /reset", s.serveReset)
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Reset clears the statistics and refills every bucket. Calls in flight
// settle against the buckets they were admitted by.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.realEpoch = s.clock.Now()
	s.unknown = 0
	s.prompts.clear()
	s.models = make(map[string]*modelEntry, len(s.settings.Models))
	for id, q := range s.settings.Models {
		e := &modelEntry{id: id, burndown: s.settings.burndown(id)}
		e.quota = newQuota(q, &s.settings, s.realEpoch)
		e.stats = ModelStats{Burndown: e.burndown, Quota: q, SettledPerMinute: []int64{}}
		s.models[id] = e
	}
}

// Reconfigure replaces the settings and resets, or returns a
// *SettingsError and changes nothing.
func (s *Server) Reconfigure(settings Settings) error {
	settings = settings.clone()
	if err := settings.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = settings
	s.resetLocked()
	return nil
}

// Settings returns a copy of the current settings.
func (s *Server) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings.clone()
}

// Stats returns a snapshot of the counters since the last reset.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	st := Stats{
		TimeScale:       s.settings.TimeScale,
		EmulatedMinutes: now.Sub(s.realEpoch).Minutes(),
		UnknownModel:    s.unknown,
		Models:          make(map[string]ModelStats, len(s.models)),
	}
	for id, e := range s.models {
		e.quota.tokens.refill(now)
		m := e.stats.copyStats()
		m.BackgroundTokens = int64(e.quota.tokens.used)
		st.Models[id] = m
	}
	return st
}

// nowLocked returns the emulated time: the clock time since the last
// reset, sped up by the time scale.
func (s *Server) nowLocked() time.Time {
	real := s.clock.Now().Sub(s.realEpoch)
	return s.realEpoch.Add(time.Duration(float64(real) * s.settings.TimeScale))
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.Stats())
}

func (s *Server) serveSettings(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.Settings())
}

// serveReset resets; a JSON body is decoded over the current settings:
// fields left out keep their value, "models" and "burndown" given replace
// the whole map.
func (s *Server) serveReset(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		validation("reading body: %v", err).write(w)
		return
	}
	if len(body) == 0 {
		s.Reset()
		writeJSON(w, s.Settings())
		return
	}
	settings := s.Settings()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		validation("settings: %v", err).write(w)
		return
	}
	if _, ok := keys["models"]; ok {
		settings.Models = nil
	}
	if _, ok := keys["burndown"]; ok {
		settings.Burndown = nil
	}
	if err := json.Unmarshal(body, &settings); err != nil {
		validation("settings: %v", err).write(w)
		return
	}
	if err := s.Reconfigure(settings); err != nil {
		validation("%v", err).write(w)
		return
	}
	writeJSON(w, s.Settings())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
