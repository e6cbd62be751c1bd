package lease

import (
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
)

// Defaults of a Manager's options.
const (
	DefaultTTL  = 30 * time.Second
	DefaultSkew = 2 * time.Second
)

// Option configures a Manager.
type Option func(*Manager)

// WithMaxHolders sets how many holders a scope admits at once; 0 means
// unlimited. The default is 1.
func WithMaxHolders(n int) Option { return func(m *Manager) { m.max = n } }

// WithTTL sets how long a lease lives without renewal. Default 30 s.
func WithTTL(d time.Duration) Option { return func(m *Manager) { m.ttl = d } }

// WithHeartbeat sets how often a lease is renewed; it must be at most half
// the TTL, and the TTL minus the heartbeat must exceed the skew margin, so
// that a failed renewal is retried (every quarter heartbeat) before the
// lease expires. Default TTL/2: each renewal is a DynamoDB write, and a
// long run renews many times.
func WithHeartbeat(d time.Duration) Option { return func(m *Manager) { m.heartbeat = d } }

// WithSkew sets the clock-skew margin: a holder is replaced only once its
// expiry plus this margin has passed, and a holder stops trusting its lease
// this long before its expiry. Default 2 s.
func WithSkew(d time.Duration) Option { return func(m *Manager) { m.skew = d } }

// WithGrace sets how far past the invocation's deadline (the Acquire
// context's deadline) a lease may be extended. Default 2 s.
func WithGrace(d time.Duration) Option { return func(m *Manager) { m.grace = d } }

// WithClock sets the clock; the default is clock.System.
func WithClock(c clock.Clock) Option { return func(m *Manager) { m.clock = c } }

// WithPoll sets the bounds of the jittered wait between two looks at a full
// scope. Default 50 ms to 1 s.
func WithPoll(min, max time.Duration) Option {
	return func(m *Manager) { m.pollMin, m.pollMax = min, max }
}

func (m *Manager) validate() error {
	switch {
	case m.table == "":
		return configErr("table", "empty: name the coordination table")
	case m.max < 0:
		return configErr("max holders", "%d is negative: use 0 for unlimited or a positive count", m.max)
	case m.ttl <= 0:
		return configErr("ttl", "%v must be positive", m.ttl)
	case m.heartbeat <= 0 || m.heartbeat*2 > m.ttl:
		return configErr("heartbeat", "%v must be positive and at most half the TTL %v: lower it or raise the TTL", m.heartbeat, m.ttl)
	case m.skew < 0 || m.skew >= m.ttl-m.heartbeat:
		return configErr("skew", "%v must be non-negative and below TTL minus heartbeat (%v)", m.skew, m.ttl-m.heartbeat)
	case m.grace < 0:
		return configErr("grace", "%v is negative", m.grace)
	case m.pollMin <= 0 || m.pollMax < m.pollMin:
		return configErr("poll", "bounds %v..%v must be positive and ordered", m.pollMin, m.pollMax)
	}
	return nil
}
