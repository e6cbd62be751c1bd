package faultproxy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

// TestHeldWriteLandsAfterTheClientGaveUp: a held write whose client gives
// up is applied all the same, after a write sent later, in front of an
// in-process handler as over HTTP.
func TestHeldWriteLandsAfterTheClientGaveUp(t *testing.T) {
	for name, mk := range map[string]newProxy{"in-process": inProcess(unwrapped), "over HTTP": overHTTP} {
		t.Run(name, func(t *testing.T) { heldWriteLandsLate(t, mk) })
	}
}

func heldWriteLandsLate(t *testing.T, mk newProxy) {
	p, via, direct, _ := setupWith(t, mk, faultproxy.Rates{Hold: 1, HoldFor: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := put(ctx, via, "late"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("held write answered before the client gave up: %v", err)
	}
	if err := p.SetRates(faultproxy.Rates{}); err != nil {
		t.Fatal(err)
	}
	if err := put(context.Background(), via, "early"); err != nil { // sent later, lands first
		t.Fatal(err)
	}
	if exists(t, direct, "late") {
		t.Fatal("held write applied before the hold ended")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !exists(t, direct, "late") {
		if time.Now().After(deadline) {
			t.Fatal("held write never applied after its client gave up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for p.Stats().HeldAbandoned == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // counted once the upstream answered
	}
	if s := p.Stats(); s.Held != 1 || s.HeldAbandoned != 1 {
		t.Errorf("stats %+v, want 1 held, 1 abandoned", s)
	}
}

// TestHeldWriteAnswersItsClient: a client that waits gets the answer.
func TestHeldWriteAnswersItsClient(t *testing.T) {
	p, via, direct, _ := setup(t, faultproxy.Rates{Hold: 1, HoldFor: 20 * time.Millisecond})
	if err := put(context.Background(), via, "k"); err != nil {
		t.Fatal(err)
	}
	if !exists(t, direct, "k") || p.Stats().Held != 1 || p.Stats().HeldAbandoned != 0 {
		t.Errorf("stats %+v", p.Stats())
	}
}
