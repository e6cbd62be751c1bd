package bench

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {99, 10}, {100, 10}, {10, 1}, {0, 1}, {91, 10}, {90, 9}} {
		if got := Percentile(ds, c.p); got != c.want {
			t.Errorf("Percentile(p%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile of nothing is not 0")
	}
}

// TestUtilization: calls of 1000 tokens ending every 6 s settle about
// 10,000 tokens a minute. The window runs from the first call's end to the
// last call's start; the first call and the calls ending after the last
// start are left out.
func TestUtilization(t *testing.T) {
	var calls []Call
	for i := range 21 {
		end := time.Duration(i+1) * 6 * time.Second
		calls = append(calls, Call{OK: true, Start: end - 3*time.Second, End: end, Settled: 1000})
	}
	calls = append(calls, Call{OK: false, Start: 0, End: time.Hour}) // failures do not count
	u, w := Utilization(calls, 1, 10_000)
	// window: first end 6 s to last start 123 s = 117 s; ends in (6, 123]: 12 … 120 s = 19 calls.
	if w != 117*time.Second {
		t.Errorf("window = %v, want 117s", w)
	}
	if want := 19_000 / (117.0 / 60) / 10_000; math.Abs(u-want) > 1e-9 {
		t.Errorf("utilization = %v, want %v", u, want)
	}
	// The same calls at scale 10 are 10× longer on the emulated clock.
	u10, w10 := Utilization(calls, 10, 1_000)
	if w10 != 1170*time.Second || math.Abs(u10-u) > 1e-9 {
		t.Errorf("scale 10: %v over %v, want %v over 1170s", u10, w10, u)
	}
}

// TestUtilizationShortWindow widens a window under 15 emulated seconds to
// the last call's end.
func TestUtilizationShortWindow(t *testing.T) {
	calls := []Call{
		{OK: true, Start: 0, End: 3 * time.Second, Settled: 500},
		{OK: true, Start: time.Second, End: 33 * time.Second, Settled: 500},
	}
	u, w := Utilization(calls, 1, 1000)
	if w != 30*time.Second || math.Abs(u-1) > 1e-9 {
		t.Errorf("got %v over %v, want 1 over 30s", u, w)
	}
}

func TestCompute(t *testing.T) {
	s := scenario{strategy: Coordinated, k: 2, label: Coordinated}
	calls := []Call{
		{Inv: 0, Item: "a", OK: true, Attempts: 1, Settled: 100, Latency: time.Second, BedrockTime: time.Second, End: time.Second},
		{Inv: 1, Item: "b", OK: true, Attempts: 2, Throttles: 1, Settled: 100, Latency: 3 * time.Second, BedrockTime: 2 * time.Second, End: 2 * time.Second},
		{Inv: 1, Item: "b", OK: true, Attempts: 1, Settled: 100, Latency: time.Second, BedrockTime: time.Second, End: 3 * time.Second},
		{Inv: 0, Item: "c", Attempts: 1},
		{Inv: 0, Item: "d", Cancelled: true},
	}
	m := Compute(s, 4, nil, calls, emuSample{admitted: 9, throttled: 1}, time.Minute, 2, 1000)
	switch {
	case m.Makespan != 2*time.Minute:
		t.Errorf("makespan %v", m.Makespan)
	case m.ThrottleRate != 0.1:
		t.Errorf("throttle rate %v", m.ThrottleRate)
	case m.Calls != 4 || m.OKCalls != 3 || m.FailedCalls != 1 || m.FailureRate != 0.25:
		t.Errorf("calls %d ok %d failed %d rate %v", m.Calls, m.OKCalls, m.FailedCalls, m.FailureRate)
	case m.Duplicates != 1 || m.FailedItems != 2:
		t.Errorf("duplicates %d failed items %d", m.Duplicates, m.FailedItems)
	case m.Shares[0] != 0.25 || m.Shares[1] != 0.5:
		t.Errorf("shares %v", m.Shares)
	case m.LatencyP50 != 2*time.Second || m.LatencyP99 != 6*time.Second:
		t.Errorf("latency %v / %v", m.LatencyP50, m.LatencyP99)
	case m.CallLatency != 2*time.Second:
		t.Errorf("call latency %v", m.CallLatency)
	}
}
