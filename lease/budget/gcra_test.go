package budget

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestMeterPlan(t *testing.T) {
	// 60 units per minute = 1 unit per second = 1e-6 per µs; burst 10 s.
	m := meter{attr: "tat", rate: 1e-6, tau: 10e6, ahead: 5e6, slack: 1e6}
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
	m := meter{attr: "tat", rate: 1e-6, tau: 10e6, slack: 1e6}
	var tat int64
	var admitted []int64 // admission instants, one per unit
	for now := int64(0); now < 300e6; now += 250e3 {
		m.amount, m.need = 2, 2
		next, ok := admitAt(m, tat, now)
		if !ok {
			continue
		}
		tat = next
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

// admitAt replays one admission of m's amount in memory: from tat at now,
// it returns the TAT the write leaves, or false when m would wait.
func admitAt(m meter, tat, now int64) (int64, bool) {
	s, wait := m.plan(tat, now)
	if wait > 0 || m.delay(tat, now) > 0 {
		return tat, false
	}
	if s.set {
		return now + s.delta, true
	}
	return tat + s.delta, true
}

// TestGCRALagBound: from a TAT that lags now by L, a burst admits at most
// the bucket plus min(L, slack): a lag within the slack is added to, a
// longer one is reset. Checked for the token meters' slack (a tenth of the
// burst) and the request meters' (half), at lags up to ten slacks.
func TestGCRALagBound(t *testing.T) {
	for _, slack := range []int64{10e6 / slackDivisor, 10e6 / requestSlackDivisor} {
		for _, lag := range []int64{slack / 2, slack, 2 * slack, 10 * slack} {
			m := meter{attr: "tat", rate: 1e-6, tau: 10e6, slack: slack, amount: 1, need: 1}
			const now = int64(1000e6)
			tat, n := now-lag, int64(0)
			for {
				next, ok := admitAt(m, tat, now)
				if !ok {
					break
				}
				tat = next
				n++
			}
			if limit := (m.tau + min(lag, slack)) / 1e6; n > limit {
				t.Fatalf("slack %v, lag %v: a burst admitted %d units, limit %d",
					time.Duration(slack)*time.Microsecond, time.Duration(lag)*time.Microsecond, n, limit)
			}
			if n < m.tau/1e6 {
				t.Fatalf("slack %v, lag %v: a burst admitted %d units, less than the bucket", time.Duration(slack)*time.Microsecond, time.Duration(lag)*time.Microsecond, n)
			}
		}
	}
}

// TestResetBranchAcceptsUpToNow: the reset branch is exact GCRA for any
// TAT up to now, so its condition accepts TAT ≤ now, overlapping the add
// branch's [now − slack, …].
func TestResetBranchAcceptsUpToNow(t *testing.T) {
	now := time.UnixMicro(100e6)
	in := admitInput([]step{{attr: "rtat", set: true, check: true, lo: 95e6, top: 100e6, delta: 1e6}}, now, 10, 1)
	cond := *in.ConditionExpression
	if !strings.Contains(cond, "#a0 <= :t0") {
		t.Fatalf("condition %q: want the reset branch to accept TAT <= now", cond)
	}
	if v := in.ExpressionAttributeValues[":t0"].(*types.AttributeValueMemberN).Value; v != "100000000" {
		t.Fatalf(":t0 = %s, want now (100000000)", v)
	}
}

// TestGuessJudgesByWherePeersLeftAMeter: a meter that only this process's
// own write pushed ahead is planned as idle next time; one that peers had
// left ahead is planned as busy.
func TestGuessJudgesByWherePeersLeftAMeter(t *testing.T) {
	rec := record{Row: Row{TATs: map[string]int64{"rtat": 100.6e6, "tat": 130e6}}, seen: 100e6,
		ahead: map[string]bool{"rtat": false, "tat": true}}
	if g := rec.guess("rtat", 103e6); g != 100.6e6 {
		t.Fatalf("own push: guess %v, want the TAT as seen (idle)", g)
	}
	if g := rec.guess("tat", 140e6); g != 140e6 {
		t.Fatalf("peers' push: guess %v, want now (still busy)", g)
	}
}

// TestSpread: no spread before a lost write; then up to the grant's span,
// doubled per loss, never more than the burst.
func TestSpread(t *testing.T) {
	m := meter{rate: 1e-6, tau: 10e6, need: 2} // a 2 s grant, a 10 s burst
	if d := m.spread(0); d != 0 {
		t.Fatalf("spread before any loss = %v", d)
	}
	for lost, limit := range map[int]time.Duration{1: 4 * time.Second, 2: 8 * time.Second, 3: 10 * time.Second, 60: 10 * time.Second} {
		for range 200 {
			if d := m.spread(lost); d < 0 || d >= limit {
				t.Fatalf("spread after %d losses = %v, want in [0, %v)", lost, d, limit)
			}
		}
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
