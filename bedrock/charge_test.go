package bedrock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// TestAbandonedCallStaysCharged (hole a): a call that Bedrock admitted and
// whose caller gave up before the answer (its deadline, a lost lease) is
// charged by Bedrock; the budget keeps it charged at the reservation
// instead of refunding it, so that peers are not handed tokens Bedrock
// still counts.
func TestAbandonedCallStaysCharged(t *testing.T) {
	s := newStack(t, emulator.WithModel(emulatedModel, emulator.Quota{TPM: 1_000_000}), emulator.WithTimeScale(1),
		emulator.WithLatency(emulator.Latency{FirstToken: emulator.Duration(2 * time.Second)}))
	emu := s.emu
	b, err := budget.New(s.db, s.table, testRegion+"/"+emulatedModel, "dev", budget.WithLimits(budget.Limits{TPM: 1_000_000}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := bedrock.New(s.api, emulatedModel, b, bedrock.WithMaxTokens(200))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = c.Call(ctx, prompts(t)[0])
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call = %v, want the deadline", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for emu.Stats().Models[emulatedModel].Completed == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	charged := emu.Stats().Models[emulatedModel].TokensSettled
	st := b.Stats()
	if charged == 0 || st.Cancelled != 0 || st.Settled != 1 || st.Used < charged {
		t.Fatalf("Bedrock charged %d tokens for the abandoned call, the budget kept %d (%+v); want at least as many", charged, st.Used, st)
	}
}
