package chaos

import (
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/testenv"
)

// pipeScale is how much faster than the wall the pipeline tests' clocks
// run.
const pipeScale = 100

// fixture is one pipeline test's fixture (package testenv, which the
// pipeline's own tests use too) over a stack of its own: the pipelines
// talk to DynamoDB through the fault proxy, the observer straight to it.
type fixture struct {
	*testenv.Fixture
	st *stack
}

func newFixture(t *testing.T, rates faultproxy.Rates, opts ...emulator.Option) *fixture {
	t.Helper()
	if rates.SpikeLatency == 0 {
		// A spike of 2 s on the test clock. The proxy's default, 200 ms of
		// wall time, would be 20 s here: longer than the 10 s a run gives
		// its release, so a spike there left a holder behind until expiry.
		rates.SpikeLatency = 2 * time.Second / pipeScale
	}
	st := newStack(t, rates, 20*time.Millisecond)
	f := testenv.New(t, testenv.Config{DB: st.Via, Direct: st.Direct, Table: st.Table, Scale: pipeScale,
		Quota: emulator.Quota{RPM: 400, TPM: 400_000}, Seed: 11, Emulator: opts})
	return &fixture{Fixture: f, st: st}
}
