package emulator

import "time"

// Stats is a snapshot of what the Server saw since it started or was last
// reset; GET /stats returns it as JSON.
type Stats struct {
	TimeScale       float64 `json:"time_scale"`
	EmulatedMinutes float64 `json:"emulated_minutes"` // since the reset
	// UnknownModel counts calls to ids that are not configured (404).
	UnknownModel int64                 `json:"unknown_model"`
	Models       map[string]ModelStats `json:"models"`
}

// ModelStats are the counters of one model or inference profile. Tokens
// are quota tokens: reserved = input + max_tokens (× burndown if so
// configured), settled = input + output × burndown.
type ModelStats struct {
	Admitted       int64     `json:"admitted"`
	Completed      int64     `json:"completed"`
	Throttled      Throttled `json:"throttled"`
	TokensReserved int64     `json:"tokens_reserved"`
	TokensSettled  int64     `json:"tokens_settled"`
	InputTokens    int64     `json:"input_tokens"`
	OutputTokens   int64     `json:"output_tokens"`
	// CacheReadInputTokens and CacheWriteInputTokens are the input tokens
	// read from and written to the prompt cache (not in InputTokens).
	CacheReadInputTokens  int64      `json:"cache_read_input_tokens"`
	CacheWriteInputTokens int64      `json:"cache_write_input_tokens"`
	CacheHits             int64      `json:"cache_hits"`         // completed calls that read a cached prefix
	CacheWrites           int64      `json:"cache_writes"`       // completed calls that wrote one
	SettledPerMinute      []int64    `json:"settled_per_minute"` // by emulated minute since the reset
	InFlight              int64      `json:"in_flight"`
	PeakInFlight          int64      `json:"peak_in_flight"`
	Faults                FaultStats `json:"faults"`
	ValidationErrors      int64      `json:"validation_errors"`
	BackgroundTokens      int64      `json:"background_tokens"` // used by other applications
	Burndown              float64    `json:"burndown"`
	Quota                 Quota      `json:"quota"`
}

// Throttled counts 429 answers by the quota that was exhausted.
type Throttled struct {
	Tokens   int64 `json:"tokens"`
	Requests int64 `json:"requests"`
	Day      int64 `json:"day,omitempty"` // "Too many tokens per day"
}

// FaultStats counts injected faults by kind.
type FaultStats struct {
	Unavailable int64 `json:"unavailable"`
	Internal    int64 `json:"internal"`
	NotJSON     int64 `json:"not_json"`
	Fenced      int64 `json:"fenced"`
	Slow        int64 `json:"slow"`
}

// record adds settled tokens to the emulated minute of at.
func (m *ModelStats) record(settled int64, at, epoch time.Time) {
	i := int(at.Sub(epoch) / time.Minute)
	if i < 0 {
		i = 0
	}
	for len(m.SettledPerMinute) <= i {
		m.SettledPerMinute = append(m.SettledPerMinute, 0)
	}
	m.SettledPerMinute[i] += settled
}

// count adds one fault of kind f.
func (f *FaultStats) count(kind fault) {
	switch kind {
	case faultUnavailable:
		f.Unavailable++
	case faultInternal:
		f.Internal++
	case faultNotJSON:
		f.NotJSON++
	case faultFenced:
		f.Fenced++
	case faultSlow:
		f.Slow++
	}
}

// copyStats returns a deep copy of m.
func (m ModelStats) copyStats() ModelStats {
	m.SettledPerMinute = append([]int64{}, m.SettledPerMinute...)
	return m
}
