package emulator

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// sendEvery sends calls one every gap of fake time for d and returns how
// many were throttled.
func sendEvery(t *testing.T, s *Server, clock *FakeClock, body []byte, gap, d time.Duration) (sent, throttled int) {
	t.Helper()
	c := newTestServer(t, s)
	for at := time.Duration(0); at < d; at += gap {
		err := invokeErr(c, sonnet, body)
		var te *types.ThrottlingException
		switch {
		case errors.As(err, &te):
			throttled++
		case err != nil:
			t.Fatal(err)
		}
		sent++
		clock.Advance(gap)
	}
	return sent, throttled
}

func TestTwiceTheRequestQuota(t *testing.T) {
	clock := NewFakeClock(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	s := mustNew(t, WithClock(clock), WithLatency(Latency{}), WithModel(sonnet, Quota{RPM: 60, TPM: 10_000_000}))
	sent, throttled := sendEvery(t, s, clock, invokeBody("hello", 100), time.Second/2, 5*time.Minute)
	// A full bucket (60) plus 5 minutes of refill (300) out of 600 calls.
	want := 1 - float64(60+300)/float64(sent)
	got := float64(throttled) / float64(sent)
	if math.Abs(got-want) > 0.02 {
		t.Fatalf("throttled %.3f of %d calls, quota predicts %.3f", got, sent, want)
	}
	if st := s.Stats().Models[sonnet]; st.Throttled.Requests != int64(throttled) || st.Throttled.Tokens != 0 {
		t.Fatalf("stats %+v", st.Throttled)
	}
}

func TestTwiceTheTokenQuota(t *testing.T) {
	clock := NewFakeClock(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	body := invokeBody(sampleItems(t)[0].prompt(), 200)
	probe := mustNew(t, WithLatency(Latency{}))
	a := invoke(t, newTestServer(t, probe), sonnet, body)
	cost := a.Usage.InputTokens + 5*a.Usage.OutputTokens // settled per call
	reserve := a.Usage.InputTokens + 5*200
	tpm := 30 * cost // 30 calls a minute; we send 60
	s := mustNew(t, WithClock(clock), WithLatency(Latency{}), WithModel(sonnet, Quota{RPM: 1000, TPM: tpm}))
	sent, throttled := sendEvery(t, s, clock, body, time.Second, 5*time.Minute)
	// Calls settle at once: the bucket (one minute) and 5 minutes of refill
	// pay for calls of cost, but the last must find a whole reservation.
	admitted := float64(6*tpm-(reserve-cost)) / float64(cost)
	want := 1 - admitted/float64(sent)
	got := float64(throttled) / float64(sent)
	if math.Abs(got-want) > 0.03 {
		t.Fatalf("throttled %.3f of %d calls, quota predicts %.3f", got, sent, want)
	}
	st := s.Stats().Models[sonnet]
	if st.Throttled.Tokens != int64(throttled) || st.TokensSettled != st.Admitted*int64(cost) {
		t.Fatalf("stats %+v", st)
	}
	for i, m := range st.SettledPerMinute[1:5] {
		if float64(m) > 1.05*float64(tpm) {
			t.Errorf("minute %d settled %d tokens, quota %d", i+1, m, tpm)
		}
	}
}

func TestBackgroundShare(t *testing.T) {
	clock := NewFakeClock(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	s := mustNew(t, WithClock(clock), WithLatency(Latency{}), WithModel(sonnet, Quota{RPM: 60, TPM: 10_000_000}),
		WithFaults(Faults{Background: 0.5}))
	sent, throttled := sendEvery(t, s, clock, invokeBody("hello", 100), time.Second/2, 5*time.Minute)
	// A full bucket (60) plus half of 5 minutes of refill (150).
	want := 1 - float64(60+150)/float64(sent)
	if got := float64(throttled) / float64(sent); math.Abs(got-want) > 0.02 {
		t.Fatalf("throttled %.3f, want %.3f", got, want)
	}
	if bg := s.Stats().Models[sonnet].BackgroundTokens; bg < 24_000_000 || bg > 26_000_000 {
		t.Fatalf("background used %d tokens, want half of 5 minutes of TPM", bg)
	}
}

func TestFixedWindow(t *testing.T) {
	clock := NewFakeClock(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	s := mustNew(t, WithClock(clock), WithLatency(Latency{}), WithModel(sonnet, Quota{RPM: 60, TPM: 10_000_000}),
		WithWindow(10*time.Second))
	sent, throttled := sendEvery(t, s, clock, invokeBody("hello", 100), time.Second/2, time.Minute)
	if sent-throttled != 60 {
		t.Fatalf("admitted %d in six windows of 10, want 60", sent-throttled)
	}
}

func TestTimeScale(t *testing.T) {
	created := time.Now()
	s := mustNew(t, WithTimeScale(6000), WithModel(sonnet, Quota{RPM: 60, TPM: 10_000_000}))
	c := newTestServer(t, s)
	start := time.Now()
	a := invoke(t, c, sonnet, invokeBody(sampleItems(t)[0].prompt(), 1000))
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("a call took %v with time scale 6000", d)
	}
	if a.Usage.OutputTokens == 0 {
		t.Fatal("no answer")
	}
	time.Sleep(12 * time.Millisecond) // 1.2 emulated minutes
	m := s.Stats().EmulatedMinutes
	if most := time.Since(created).Minutes() * 6000; m < 1.2 || m > most {
		t.Fatalf("emulated minutes %v, want between 1.2 and %v", m, most)
	}
}
