package emulator

import "time"

// Option changes one setting of a Server being built by New.
type Option func(*config)

// config is what the options build: the settings and the clock.
type config struct {
	settings Settings
	clock    Clock
	models   bool // WithModel was used: drop the default models
}

// WithSettings replaces all settings at once (a copy is taken).
func WithSettings(s Settings) Option {
	return func(c *config) { c.settings = s.clone(); c.models = true }
}

// WithModel serves id (as sent, e.g. "eu.anthropic.claude-…-v1:0") with
// quota q. The first WithModel drops the default models.
func WithModel(id string, q Quota) Option {
	return func(c *config) {
		if !c.models {
			c.settings.Models = map[string]Quota{}
			c.models = true
		}
		c.settings.Models[id] = q
	}
}

// WithBurndown overrides the output-token burndown factor of id.
func WithBurndown(id string, factor float64) Option {
	return func(c *config) { c.settings.Burndown[id] = factor }
}

// WithReserveBurndown sets whether the max_tokens part of a reservation is
// multiplied by the burndown (default true).
func WithReserveBurndown(on bool) Option {
	return func(c *config) { c.settings.ReserveBurndown = on }
}

// WithBurst sets the bucket capacity in minutes of quota (default 1).
func WithBurst(minutes float64) Option {
	return func(c *config) { c.settings.BurstMinutes = minutes }
}

// WithWindow switches to fixed windows of emulated length d (0: continuous
// bucket, the default).
func WithWindow(d time.Duration) Option {
	return func(c *config) { c.settings.Window = Duration(d) }
}

// WithTimeScale makes one emulated minute last 60/scale real seconds.
func WithTimeScale(scale float64) Option {
	return func(c *config) { c.settings.TimeScale = scale }
}

// WithLatency replaces the latency model; Latency{} answers at once.
func WithLatency(l Latency) Option {
	return func(c *config) { c.settings.Latency = l }
}

// WithFaults sets the fault injection rates.
func WithFaults(f Faults) Option {
	return func(c *config) { c.settings.Faults = f }
}

// WithSeed seeds fault injection.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.settings.Seed = seed }
}

// WithModelMaxTokens sets the model's largest max_tokens (default 64000).
func WithModelMaxTokens(n int) Option {
	return func(c *config) { c.settings.ModelMaxTokens = n }
}

// WithClock replaces the wall clock, typically by a *FakeClock.
func WithClock(clock Clock) Option {
	return func(c *config) { c.clock = clock }
}
