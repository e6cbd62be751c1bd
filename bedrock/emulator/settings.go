package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// Default quotas and limits. Real accounts differ; the benchmark sets its own.
const (
	DefaultRPM            = 0 // none: Bedrock enforces no RPM since May 2026
	DefaultTPM            = 200_000
	DefaultModelMaxTokens = 64_000 // reserved by Converse when maxTokens is unset
	DefaultBurstMinutes   = 0.25   // 15 s of quota, as Bedrock's bucket
)

// DefaultModels are the model and inference-profile ids served when no
// model is configured: those the original pipeline used.
var DefaultModels = []string{
	"eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
	"us.anthropic.claude-sonnet-4-5-20250929-v1:0",
	"global.anthropic.claude-sonnet-4-5-20250929-v1:0",
	"anthropic.claude-sonnet-4-5-20250929-v1:0",
	"anthropic.claude-3-sonnet-20240229-v1:0",
}

// Quota is the per-minute quota of one model or inference profile. Minutes
// are emulated minutes (see Settings.TimeScale).
type Quota struct {
	RPM int `json:"rpm"`           // requests per minute; 0: none (Bedrock's default since May 2026)
	TPM int `json:"tpm"`           // tokens per minute
	TPD int `json:"tpd,omitempty"` // tokens per emulated UTC day; 0: TPM × 1440, Bedrock's default
}

// Tenant is another application drawing on the same quota: Share of the
// rate, continuously, from Start to Stop (emulated time since the server
// started or was reset; Stop 0: never stops).
type Tenant struct {
	Share float64  `json:"share"`
	Start Duration `json:"start"`
	Stop  Duration `json:"stop"`
}

// Settings is the whole configuration of a Server. Its JSON form is what
// POST /reset accepts; fields left out of that JSON keep their values.
type Settings struct {
	// Models maps each served id, exactly as sent (inference profiles
	// "eu.…", "us.…", "global.…" are separate entries), to its quota.
	Models map[string]Quota `json:"models"`
	// Burndown overrides the output-token burndown of some ids; the others
	// take model.Burndown (1 for an unknown model).
	Burndown map[string]float64 `json:"burndown,omitempty"`
	// ReserveBurndown multiplies the max_tokens part of the admission
	// reservation by the burndown too. Off by default: Bedrock reserves
	// input + max_tokens and applies the burndown at settlement.
	ReserveBurndown bool `json:"reserve_burndown"`
	// BurstMinutes is the bucket capacity in minutes of quota: 0.25 (15 s)
	// by default, as Bedrock's bucket.
	BurstMinutes float64 `json:"burst_minutes"`
	// OtherTenant is another application on the account drawing on every
	// quota (it replaces Faults.Background when its share is set).
	OtherTenant Tenant `json:"other_tenant"`
	// Window, when positive, replaces the continuous token bucket by fixed
	// windows of this emulated length, each allowed its share of the quota.
	Window Duration `json:"window"`
	// ModelMaxTokens is the largest max_tokens accepted, and what Converse
	// reserves when inferenceConfig.maxTokens is unset.
	ModelMaxTokens int `json:"model_max_tokens"`
	// TimeScale S makes one emulated minute last 60/S real seconds; quotas
	// are per emulated minute and latencies shrink by S.
	TimeScale float64 `json:"time_scale"`
	Latency   Latency `json:"latency"`
	Faults    Faults  `json:"faults"`
	// Seed makes fault injection reproducible.
	Seed uint64 `json:"seed"`
}

// Latency is the emulated duration of a call: FirstToken + InputToken ×
// input tokens + output tokens ÷ DecodeRate, times a jitter factor in
// [1-Jitter/3, 1+Jitter] drawn from a hash of the prompt (so the same
// prompt always takes the same time).
type Latency struct {
	FirstToken Duration `json:"first_token"`
	InputToken Duration `json:"input_token"`
	DecodeRate float64  `json:"decode_rate"` // output tokens per second
	Jitter     float64  `json:"jitter"`
}

// Faults are the injection rates, each in [0,1].
type Faults struct {
	Unavailable float64 `json:"unavailable"` // 503 ServiceUnavailableException
	Internal    float64 `json:"internal"`    // 500 InternalServerException
	NotJSON     float64 `json:"not_json"`    // answer in prose, not JSON
	Fenced      float64 `json:"fenced"`      // JSON wrapped in a ```json fence
	Slow        float64 `json:"slow"`        // latency × SlowFactor
	SlowFactor  float64 `json:"slow_factor"` // 0 means 3
	// Background is the share of every quota used by other applications
	// on the account, consumed continuously.
	Background float64 `json:"background"`
}

// DefaultSettings returns the settings New starts from: DefaultModels at
// DefaultTPM and no RPM, a continuous bucket holding 15 s of quota,
// the max_tokens reservation without burndown, real time, and a latency
// calibrated on the original pipeline (median ≈ 2.8 s, 1.9–5.7 s).
func DefaultSettings() Settings {
	models := make(map[string]Quota, len(DefaultModels))
	for _, id := range DefaultModels {
		models[id] = Quota{RPM: DefaultRPM, TPM: DefaultTPM}
	}
	return Settings{
		Models:          models,
		Burndown:        map[string]float64{},
		ReserveBurndown: false,
		BurstMinutes:    DefaultBurstMinutes,
		ModelMaxTokens:  DefaultModelMaxTokens,
		TimeScale:       1,
		Latency:         DefaultLatency(),
		Faults:          Faults{SlowFactor: 3},
	}
}

// DefaultLatency returns the calibrated latency model.
func DefaultLatency() Latency {
	return Latency{
		FirstToken: Duration(1000 * time.Millisecond),
		InputToken: Duration(400 * time.Microsecond),
		DecodeRate: 85,
		Jitter:     0.5,
	}
}

// burndown returns the burndown factor of id under s.
func (s *Settings) burndown(id string) float64 {
	if f, ok := s.Burndown[id]; ok && f > 0 {
		return f
	}
	if f, ok := model.Burndown(id); ok {
		return f
	}
	return 1
}

// validate reports the first invalid field as a *SettingsError.
func (s *Settings) validate() error {
	for id, q := range s.Models {
		if id == "" || q.RPM < 0 || q.TPM <= 0 || q.TPD < 0 {
			return &SettingsError{Field: "models", Reason: fmt.Sprintf("%q needs a positive tpm and an rpm of 0 (none) or more", id)}
		}
	}
	for id, f := range s.Burndown {
		if f < 0 {
			return &SettingsError{Field: "burndown", Reason: fmt.Sprintf("%q is negative", id)}
		}
	}
	checks := []struct {
		field string
		bad   bool
	}{
		{"burst_minutes", s.BurstMinutes <= 0},
		{"window", s.Window < 0},
		{"model_max_tokens", s.ModelMaxTokens <= 0},
		{"time_scale", s.TimeScale <= 0},
		{"latency", s.Latency.DecodeRate < 0 || s.Latency.Jitter < 0 || s.Latency.Jitter > 1 ||
			s.Latency.FirstToken < 0 || s.Latency.InputToken < 0},
		{"faults", !s.Faults.valid()},
		{"other_tenant", s.OtherTenant.Share < 0 || s.OtherTenant.Share >= 1 || s.OtherTenant.Start < 0 ||
			(s.OtherTenant.Stop != 0 && s.OtherTenant.Stop < s.OtherTenant.Start)},
	}
	for _, c := range checks {
		if c.bad {
			return &SettingsError{Field: c.field, Reason: "out of range"}
		}
	}
	return nil
}

func (f Faults) valid() bool {
	for _, r := range []float64{f.Unavailable, f.Internal, f.NotJSON, f.Fenced, f.Slow, f.Background} {
		if r < 0 || r > 1 {
			return false
		}
	}
	return f.Background < 1 && f.SlowFactor >= 0 &&
		f.Unavailable+f.Internal <= 1 && f.NotJSON+f.Fenced <= 1
}

// clone returns a deep copy of s.
func (s Settings) clone() Settings {
	c := s
	c.Models = make(map[string]Quota, len(s.Models))
	for k, v := range s.Models {
		c.Models[k] = v
	}
	c.Burndown = make(map[string]float64, len(s.Burndown))
	for k, v := range s.Burndown {
		c.Burndown[k] = v
	}
	return c
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("1.5s"); a JSON number is taken as seconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil {
			return fmt.Errorf("emulator: duration %s: %w", b, ferr)
		}
		*d = Duration(f * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("emulator: duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
