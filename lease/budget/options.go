package budget

import (
	"log/slog"
	"math"
	"regexp"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
)

// Option configures a Budget; New checks the result.
type Option func(*Budget)

// Defaults of the settings that are not stored in the row.
const (
	// DefaultBurst is the burst tolerance, in milliseconds of quota, of a
	// row seeded or created without one.
	DefaultBurst int64 = 10_000
	// DefaultRecovery is the throttle-feedback recovery per second, a
	// fraction of the quota (see WithFeedback).
	DefaultRecovery = 0.005
)

// WithLimits seeds the quota's limits: used only when the budget row does
// not exist yet. Once it exists, the row (changed by operators with
// SetLimits) is what every invocation obeys. Burst defaults to
// DefaultBurst.
func WithLimits(l Limits) Option { return func(b *Budget) { b.seed = l } }

// WithEnvLimit seeds this environment's cap and priority, used only when
// the row has no entry for the environment yet. Default: cap 1, priority 0.
func WithEnvLimit(e EnvLimit) Option { return func(b *Budget) { b.seedEnv = e } }

// WithLogger sets where the Budget logs its one warning: the limits it was
// configured with (WithLimits) differ from the row's. Default: nowhere.
func WithLogger(l *slog.Logger) Option { return func(b *Budget) { b.log = l } }

// WithClock sets the clock that instants and waits are read from; the
// default is clock.System. Every process sharing a row must use the same
// time base.
func WithClock(c clock.Clock) Option { return func(b *Budget) { b.clock = c } }

// WithBatch sets how many calls' worth of quota one write takes into the
// invocation's local pool at most (bounded by the burst). 1 turns pooling
// off: every reservation is its own write. Default 8.
func WithBatch(n int) Option { return func(b *Budget) { b.batch = n } }

// WithHold sets how long pooled quota may wait for a call before it goes
// back to the row. Default half the burst: long enough to outlast a typical
// Bedrock call, so that a settled call's refund is spent by the next one
// rather than handed back. A longer hold saves writes but lets pools sit
// idle while peers wait, and adds to what a 60 s window may admit.
func WithHold(d time.Duration) Option { return func(b *Budget) { b.hold = d } }

// WithFeedback sets the reaction to Bedrock throttles: each throttle
// multiplies the effective rate by decrease (at most once per cooldown,
// across all invocations, never below 5 %), and the rate recovers by
// recovery (a fraction of the quota) per second. Default 0.7,
// DefaultRecovery, 2 s.
func WithFeedback(decrease, recovery float64, cooldown time.Duration) Option {
	return func(b *Budget) { b.decrease, b.recovery, b.cooldown = decrease, recovery, cooldown }
}

// finite reports whether f is a number: NaN compares false with every
// bound, so range checks alone let it through.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// namePattern is what environment names may contain: they become
// attribute names of the budget row.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (b *Budget) validate() error {
	switch {
	case b.table == "":
		return configErr("table", "empty: name the coordination table")
	case b.quota == "":
		return configErr("quota", "empty: name it by region and model, for example eu-west-3/eu.anthropic.claude-sonnet-4-5-20250929-v1:0")
	}
	if err := validEnv(b.env); err != nil {
		return err
	}
	if err := b.seed.validate(); err != nil {
		return err
	}
	return b.validateTuning()
}

func (b *Budget) validateTuning() error {
	switch {
	case !finite(b.seedEnv.Cap) || b.seedEnv.Cap < 0 || b.seedEnv.Cap > 1:
		return configErr("cap", "%v must be within (0, 1]; 0 means uncapped", b.seedEnv.Cap)
	case b.batch < 1:
		return configErr("batch", "%d must be at least 1", b.batch)
	case !finite(b.decrease) || b.decrease <= 0 || b.decrease >= 1:
		return configErr("feedback decrease", "%v must be within (0, 1)", b.decrease)
	case !finite(b.recovery) || b.recovery <= 0 || b.cooldown < 0:
		return configErr("feedback recovery", "%v/s must be positive, cooldown %v non-negative", b.recovery, b.cooldown)
	}
	return nil
}

// validEnv checks an environment name.
func validEnv(env string) error {
	if !namePattern.MatchString(env) {
		return configErr("env", "%q: use 1–64 letters, digits, _ or -", env)
	}
	return nil
}

// validate checks seed limits; zero limits mean "no seed".
func (l Limits) validate() error {
	switch {
	case !finite(l.RPM) || !finite(l.TPM):
		return configErr("rpm/tpm", "%v/%v: give finite numbers", l.RPM, l.TPM)
	case l.RPM < 0:
		return configErr("rpm", "%v is negative: give requests per minute, or 0 where Bedrock enforces none", l.RPM)
	case l.TPM < 0:
		return configErr("tpm", "%v is negative: give tokens per minute, or 0 to leave the row as it is", l.TPM)
	case l.RPM > 0 && l.TPM == 0:
		return configErr("rpm/tpm", "give tokens per minute with requests per minute")
	case l.Burst < 0:
		return configErr("burst", "%d ms is negative", l.Burst)
	}
	return l.validateDaily()
}

// validateDaily checks the daily quotas: zero means the default.
func (l Limits) validateDaily() error {
	switch {
	case !finite(l.TPD) || l.TPD < 0:
		return configErr("tpd", "%v: give tokens per day, or 0 for TPM × 1440", l.TPD)
	case !finite(l.AccountTPD) || l.AccountTPD < 0:
		return configErr("account tpd", "%v: give tokens per day, or 0 for none", l.AccountTPD)
	}
	return nil
}
