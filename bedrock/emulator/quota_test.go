package emulator

import (
	"math"
	"testing"
	"time"
)

func TestBucketSteps(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		at    time.Duration
		op    string // "take", "give", "allows"
		n     float64
		want  bool    // for allows
		level float64 // after the step
	}
	tests := []struct {
		name       string
		perMinute  float64
		burst      float64
		background float64
		window     time.Duration
		steps      []step
	}{
		{"continuous refill capped", 600, 1, 0, 0, []step{
			{0, "take", 600, false, 0},
			{0, "allows", 1, false, 0},
			{30 * time.Second, "allows", 300, true, 300},
			{2 * time.Minute, "allows", 600, true, 600},
			{2 * time.Minute, "give", 100, false, 600},
		}},
		{"burst of two minutes", 600, 2, 0, 0, []step{
			{0, "allows", 1200, true, 1200},
			{0, "take", 1300, false, -100},
			{time.Minute, "allows", 500, true, 500},
		}},
		{"settle refund capped", 600, 1, 0, 0, []step{
			{0, "take", 500, false, 100},
			{0, "give", 450, false, 550},
			{0, "give", 450, false, 600},
		}},
		{"background share slows refill", 600, 1, 0.25, 0, []step{
			{0, "take", 600, false, 0},
			{time.Minute, "allows", 450, true, 450},
		}},
		{"fixed windows", 600, 1, 0, 10 * time.Second, []step{
			{0, "take", 100, false, 0},
			{9 * time.Second, "allows", 1, false, 0},
			{10 * time.Second, "allows", 100, true, 100},
			{11 * time.Second, "give", 50, false, 100},
		}},
		{"fixed windows with background", 600, 1, 0.5, 10 * time.Second, []step{
			{0, "allows", 51, false, 50},
			{10 * time.Second, "take", 50, false, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBucket(tt.perMinute, tt.burst, Tenant{Share: tt.background}, tt.window, t0)
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				switch s.op {
				case "take":
					b.take(s.n, now)
				case "give":
					b.give(s.n, now)
				case "allows":
					if got := b.allows(s.n, now); got != s.want {
						t.Errorf("step %d: allows(%v) = %v, want %v", i, s.n, got, s.want)
					}
				}
				if math.Abs(b.level-s.level) > 1e-6 {
					t.Errorf("step %d: level %v, want %v", i, b.level, s.level)
				}
			}
		})
	}
}

func TestQuotaAdmitOrder(t *testing.T) {
	t0 := time.Now()
	s := DefaultSettings()
	s.BurstMinutes = 1
	q := newQuota(Quota{RPM: 1, TPM: 100}, &s, t0)
	if k := q.admit(101, t0); k != quotaTokens {
		t.Fatalf("admit over TPM = %v, want tokens", k)
	}
	if k := q.admit(100, t0); k != quotaOK {
		t.Fatalf("admit = %v, want ok", k)
	}
	if k := q.admit(0, t0); k != quotaRequests {
		t.Fatalf("second admit = %v, want requests", k)
	}
	q.settle(100, 40, t0)
	if q.tokens.level != 60 {
		t.Fatalf("level after settle = %v, want 60", q.tokens.level)
	}
}

// TestOtherTenantAndDay: another application drawing half the rate from
// 1 min to 2 min halves the refill only then; a spent daily quota throttles
// as "per day" until the next UTC day.
func TestOtherTenantAndDay(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 23, 50, 0, 0, time.UTC)
	s := DefaultSettings()
	s.OtherTenant = Tenant{Share: 0.5, Start: Duration(time.Minute), Stop: Duration(2 * time.Minute)}
	q := newQuota(Quota{TPM: 600, TPD: 1000}, &s, t0)
	for _, st := range []struct {
		at   time.Duration
		want float64 // level after emptying the bucket at at-10 s and refilling to at
	}{{30 * time.Second, 100}, {90 * time.Second, 50}, {150 * time.Second, 100}} {
		q.tokens.level = 0
		q.tokens.last = t0.Add(st.at - 10*time.Second)
		q.tokens.refill(t0.Add(st.at))
		if q.tokens.level != st.want {
			t.Errorf("refill over the 10 s before %v: %v, want %v", st.at, q.tokens.level, st.want)
		}
	}
	now := t0.Add(3 * time.Minute)
	q.tokens.level = 150
	if k := q.admit(100, now); k != quotaOK {
		t.Fatalf("admit = %v", k)
	}
	q.settle(100, 950, now)
	if k := q.admit(100, now.Add(time.Minute)); k != quotaDay {
		t.Fatalf("admit with the day spent = %v, want day", k)
	}
	if k := q.admit(100, now.Add(10*time.Minute)); k == quotaDay {
		t.Fatal("the next UTC day is still spent")
	}
}
