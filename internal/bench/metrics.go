package bench

import (
	"math"
	"sort"
	"time"
)

// Metrics are the figures of one scenario. Durations are emulated.
type Metrics struct {
	Strategy, Label string
	K, Items        int
	Finished        bool // ran to completion (not stopped by the time cap)

	Makespan       time.Duration
	Requests       int64 // HTTP requests the emulator answered (admitted + throttled)
	Throttled      int64
	ThrottleRate   float64 // Throttled ÷ Requests
	Attempts       int     // attempts counted by the clients
	ClientThrottle int
	Calls          int // item calls (not cancelled by the cap)
	OKCalls        int
	FailedCalls    int
	FailureRate    float64 // FailedCalls ÷ Calls
	FailedItems    int     // items without a successful call at the end (coordinated)
	Duplicates     int     // successful calls beyond one per item and invocation-set

	Settled       int64   // settled tokens of the successful calls
	PerItem       float64 // settled tokens per successful call
	Utilization   float64 // settled tokens per minute ÷ TPM over the backlog window
	Window        time.Duration
	CallLatency   time.Duration // p50 of one attempt inside Bedrock
	MakespanBound time.Duration // 1.1 × Settled ÷ TPM + 2 × CallLatency

	DynamoDB       int64
	DDBPerItem     float64
	DDBPerCall     float64
	BudgetWrites   int64
	DDBKinds       string        // DynamoDB requests by operation and item family (ddbcount)
	LatencyP50     time.Duration // item: the whole successful call, waits and retries included
	LatencyP99     time.Duration
	Shares         []float64 // items each invocation completed ÷ items
	SettledPerMin  []int64   // emulator's series
	EmulatorTokens int64
}

// emuSample is what Compute needs from the emulator's statistics.
type emuSample struct {
	admitted, throttled, settled int64
	perMinute                    []int64
}

// Compute derives the metrics of a scenario from its calls (wall offsets),
// the emulator's counters, the wall makespan, the time scale and the TPM.
// want counts the items behind each Call.Item key (items with identical
// prompts share a key); nil means one item per key.
func Compute(s scenario, items int, want map[string]int, calls []Call, emu emuSample, wall time.Duration, scale, tpm float64) Metrics {
	m := Metrics{Strategy: s.strategy, Label: s.label, K: s.k, Items: items,
		Makespan: emulated(wall, scale), Requests: emu.admitted + emu.throttled, Throttled: emu.throttled,
		SettledPerMin: emu.perMinute, EmulatorTokens: emu.settled, Shares: make([]float64, s.k)}
	m.ThrottleRate = ratio(float64(m.Throttled), float64(m.Requests))
	done := map[string]int{}
	var lat, inside []time.Duration
	for _, c := range calls {
		m.Attempts += c.Attempts
		m.ClientThrottle += c.Throttles
		if c.Cancelled {
			continue
		}
		m.Calls++
		if !c.OK {
			m.FailedCalls++
			continue
		}
		m.OKCalls++
		m.Settled += c.Settled
		done[c.Item]++
		m.Shares[c.Inv]++
		lat = append(lat, emulated(c.Latency, scale))
		if c.Attempts > 0 {
			inside = append(inside, emulated(c.BedrockTime/time.Duration(c.Attempts), scale))
		}
	}
	for i := range m.Shares {
		m.Shares[i] /= float64(max(items, 1))
	}
	m.FailureRate = ratio(float64(m.FailedCalls), float64(m.Calls))
	m.PerItem = ratio(float64(m.Settled), float64(m.OKCalls))
	m.LatencyP50, m.LatencyP99 = Percentile(lat, 50), Percentile(lat, 99)
	m.CallLatency = Percentile(inside, 50)
	m.Utilization, m.Window = Utilization(calls, scale, tpm)
	m.MakespanBound = time.Duration(1.1*float64(m.Settled)/tpm*float64(time.Minute)) + 2*m.CallLatency
	// Duplicates: successful calls beyond one per item. For the
	// uncoordinated strategies the (K-1) × items repeats are their design,
	// counted all the same: the work is wasted.
	m.Duplicates, m.FailedItems = tally(want, done, items)
	return m
}

// Utilization is the settled tokens per minute ÷ tpm over the backlog
// window: from the first successful call's end (before it nothing can have
// settled) to the last successful call's start (after it no item waits).
// Tokens of the calls that end inside the window count, the first excluded.
// When the window is shorter than an emulated 15 s it is widened to the
// last call's end. The second result is the window's length.
func Utilization(calls []Call, scale, tpm float64) (float64, time.Duration) {
	ok := make([]Call, 0, len(calls))
	for _, c := range calls {
		if c.OK {
			ok = append(ok, c)
		}
	}
	if len(ok) < 2 || tpm <= 0 {
		return 0, 0
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].End < ok[j].End })
	from, to := ok[0].End, ok[0].Start
	for _, c := range ok {
		to = max(to, c.Start)
	}
	if emulated(to-from, scale) < 15*time.Second {
		to = ok[len(ok)-1].End
	}
	var tokens int64
	for _, c := range ok[1:] {
		if c.End > from && c.End <= to {
			tokens += c.Settled
		}
	}
	w := emulated(to-from, scale)
	if w <= 0 {
		return 0, 0
	}
	return float64(tokens) / w.Minutes() / tpm, w
}

// Percentile returns the p-th percentile (nearest rank) of ds, 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

func emulated(d time.Duration, scale float64) time.Duration { return time.Duration(float64(d) * scale) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// tally returns the successful calls beyond the items of each key and the
// items left without one.
func tally(want, done map[string]int, items int) (dup, failed int) {
	got := 0
	for k, n := range done {
		w := 1
		if want != nil {
			w = want[k]
		}
		dup += max(n-w, 0)
		got += min(n, w)
	}
	return dup, items - got
}
