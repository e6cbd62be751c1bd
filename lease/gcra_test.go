package lease

import (
	"testing"
	"time"
)

func TestMeterPlan(t *testing.T) {
	// 60 units per minute = 1 unit per second = 1e-6 per µs; burst 10 s.
	m := meter{attr: "tat", rate: 1e-6, tau: 10e6, ahead: 5e6}
	for _, tc := range []struct {
		name     string
		amount   int64
		tat, now int64
		wantSet  bool
		wantWait time.Duration
	}{
		{"idle bucket sets", 3, 0, 100e6, true, 0},
		{"busy bucket adds", 3, 105e6, 100e6, false, 0},
		{"exactly full", 3, 107e6, 100e6, false, 0},
		{"scheduled ahead", 3, 108e6, 100e6, false, 0},
		{"beyond ahead by 1 s waits 1 s", 3, 113e6, 100e6, false, time.Second},
		{"larger than burst fits an idle bucket", 20, 50e6, 100e6, true, 0},
		{"a small lag is added to, not reset", 3, 99.5e6, 100e6, false, 0},
		{"larger than burst waits for an idle bucket", 20, 107e6, 100e6, false, 2 * time.Second},
		{"refund always fits", -5, 150e6, 100e6, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.amount, m.need = tc.amount, max(tc.amount, 0)
			s, wait := m.plan(tc.tat, tc.now)
			if wait != tc.wantWait || (wait == 0 && s.set != tc.wantSet) {
				t.Fatalf("plan = %+v, wait %v; want set=%v wait %v", s, wait, tc.wantSet, tc.wantWait)
			}
			if s.delta != tc.amount*1e6 {
				t.Fatalf("delta = %d, want %d", s.delta, tc.amount*1e6)
			}
		})
	}
}

// TestGCRAWindowBound replays the algorithm in memory: over any window of
// length w, admitted units never exceed rate×w + burst.
func TestGCRAWindowBound(t *testing.T) {
	m := meter{attr: "tat", rate: 1e-6, tau: 10e6}
	var tat int64
	var admitted []int64 // admission instants, one per unit
	for now := int64(0); now < 300e6; now += 250e3 {
		m.amount, m.need = 2, 2
		s, wait := m.plan(tat, now)
		if wait > 0 || m.delay(tat, now) > 0 {
			continue
		}
		if s.set {
			tat = now + s.delta
		} else {
			tat += s.delta
		}
		admitted = append(admitted, now, now)
	}
	const window = 60e6
	for i := range admitted {
		n := 0
		for j := i; j < len(admitted) && admitted[j] < admitted[i]+window; j++ {
			n++
		}
		if limit := 60 + 10; n > limit {
			t.Fatalf("window at %d µs admitted %d units, limit %d", admitted[i], n, limit)
		}
	}
	if got := len(admitted); got < 290 {
		t.Fatalf("admitted %d units over 300 s at 1/s with backlog, want ≥ 290", got)
	}
}

func TestFactorAt(t *testing.T) {
	if f := factorAt(0, 0, 0, 0.1); f != 1 {
		t.Fatalf("unset factor = %v, want 1", f)
	}
	if f := factorAt(0.5, 0, 2e6, 0.1); f < 0.699 || f > 0.701 {
		t.Fatalf("recovered factor = %v, want 0.7", f)
	}
	if f := factorAt(0.5, 0, 60e6, 0.1); f != 1 {
		t.Fatalf("factor capped = %v, want 1", f)
	}
}
