package bedrock_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// The quota of the shared-budget tests, per emulated minute.
const (
	quotaRPM   = 120
	quotaTPM   = 60_000
	speed      = 30 // emulated seconds per wall second
	maxTokens  = 300
	callersN   = 8
	testRegion = "eu-west-3"
)

// prompts returns normalization prompts of the real items when
// ../shared/data exists, else of synthetic items of the same shape.
func prompts(t *testing.T) []bedrock.Prompt {
	var ps []bedrock.Prompt
	canon := normalize.DefaultCanonical()
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "items-corporate.jsonl"))
	items, _, _ := item.ParseItems(data)
	if err != nil || len(items) == 0 {
		for i := range 20 {
			items = append(items, item.Raw{ItemID: fmt.Sprintf("s_%d", i), SourceKey: "s",
				Title:   fmt.Sprintf("MedinCell and Teva report phase 3 data for olanzapine LAI, study %d", i),
				Content: "The long-acting injectable met its primary endpoint in schizophrenia.", Language: "en"})
		}
	}
	for _, it := range items {
		p := normalize.BuildPrompt(it, canon)
		ps = append(ps, bedrock.Prompt{System: p.System, User: p.User})
	}
	return ps
}

// stack is one emulator and one in-process DynamoDB on a shared clock.
type stack struct {
	emu   *emulator.Server
	api   *bedrockruntime.Client
	clock clock.Scaled
	table string
	db    budget.DynamoDB
}

// newStack starts the stack; opts apply after its own (quota, speed).
func newStack(t *testing.T, opts ...emulator.Option) *stack {
	emu, err := emulator.New(append([]emulator.Option{emulator.WithModel(emulatedModel, emulator.Quota{RPM: quotaRPM, TPM: quotaTPM}),
		emulator.WithTimeScale(speed)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	api := bedrockruntime.NewFromConfig(aws.Config{Region: testRegion,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	db := ddbtest.Start(t)
	table := ddbtest.Table(t, db, "coord")
	return &stack{emu: emu, api: api, clock: clock.Scaled{Epoch: time.Now(), Scale: speed}, table: table, db: db}
}

// run has callersN callers call Bedrock in a loop for d of emulated time.
func (s *stack) run(t *testing.T, b bedrock.Budget, d time.Duration) {
	c, err := bedrock.New(s.api, emulatedModel, b, bedrock.WithMaxTokens(maxTokens),
		bedrock.WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ps := prompts(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(float64(d)/speed))
	defer cancel()
	var wg sync.WaitGroup
	for w := range callersN {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i += callersN {
				c.Call(ctx, ps[i%len(ps)])
			}
		})
	}
	wg.Wait()
}

// TestSharedBudgetKeepsCallersUnderTheQuota: 8 callers drawing on a
// *budget.Budget sized to the emulator's quota are never throttled and
// settle at least 90 % of the quota per minute; without the budget, the
// same callers are.
func TestSharedBudgetKeepsCallersUnderTheQuota(t *testing.T) {
	s := newStack(t)
	b, err := budget.New(s.db, s.table, testRegion+"/"+emulatedModel, "prod",
		budget.WithLimits(budget.Limits{RPM: quotaRPM, TPM: quotaTPM, Burst: 10_000}), budget.WithClock(s.clock))
	if err != nil {
		t.Fatal(err)
	}
	s.run(t, b, 3*time.Minute+20*time.Second)
	st := s.emu.Stats().Models[emulatedModel]
	if st.Throttled.Tokens+st.Throttled.Requests != 0 {
		t.Errorf("throttled %+v times through the shared budget, want 0", st.Throttled)
	}
	if len(st.SettledPerMinute) < 3 {
		t.Fatalf("settled per minute %v: the run was too short", st.SettledPerMinute)
	}
	for m, settled := range st.SettledPerMinute[1:3] {
		if u := float64(settled) / quotaTPM; u < 0.9 {
			t.Errorf("minute %d settled %d tokens, %.0f%% of TPM; want ≥ 90%%", m+1, settled, 100*u)
		}
	}
	t.Logf("budget: %d calls admitted, settled per minute %v of %d TPM, %+v", st.Admitted, st.SettledPerMinute, quotaTPM, b.Stats())

	s.emu.Reset()
	s.run(t, bedrock.Unlimited, time.Minute)
	st = s.emu.Stats().Models[emulatedModel]
	if st.Throttled.Tokens+st.Throttled.Requests == 0 {
		t.Errorf("without the budget, 8 callers were never throttled (%+v): the quota is too loose for this test", st)
	}
	t.Logf("no budget: %d admitted, throttled %+v", st.Admitted, st.Throttled)
}
