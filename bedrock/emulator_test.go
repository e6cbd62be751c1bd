package bedrock_test

import (
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

const emulatedModel = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"

// realPrompts builds the normalization prompts of the real sample items in
// ../shared/data, or skips the test when they are not there.
func realPrompts(t *testing.T) []bedrock.Prompt {
	t.Helper()
	canon := normalize.DefaultCanonical()
	var prompts []bedrock.Prompt
	for _, f := range []string{"items-corporate.jsonl", "items-press-feeds.jsonl"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", f))
		if err != nil {
			t.Skipf("sample data: %v", err)
		}
		items, _, err := item.ParseItems(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			p := normalize.BuildPrompt(it, canon)
			prompts = append(prompts, bedrock.Prompt{System: p.System, User: p.User})
		}
	}
	return prompts
}

// emulated returns a Client of the in-process emulator, at 100,000× speed.
func emulated(t *testing.T, opts ...bedrock.Option) *bedrock.Client {
	t.Helper()
	return emulatedWith(t, []emulator.Option{emulator.WithTimeScale(100_000)}, opts...)
}

// emulatedWith returns a Client of an in-process emulator built with emu.
func emulatedWith(t *testing.T, emu []emulator.Option, opts ...bedrock.Option) *bedrock.Client {
	t.Helper()
	srvEmu, err := emulator.New(emu...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(srvEmu)
	t.Cleanup(srv.Close)
	api := bedrockruntime.NewFromConfig(aws.Config{
		Region:      "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	c, err := bedrock.New(api, emulatedModel, bedrock.Unlimited, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEstimateAgainstEmulator measures EstimateTokens against the input
// tokens the emulator charges for the real normalization prompts, and
// checks that CountTokens, when on, reserves exactly what is charged.
func TestEstimateAgainstEmulator(t *testing.T) {
	prompts := realPrompts(t)
	c := emulated(t, bedrock.WithCountTokens(true), bedrock.WithMaxTokens(300))
	var errs []float64
	var tokens []int64
	for _, p := range prompts {
		res, err := c.Call(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if want := res.Usage.InputTokens + 300; res.Usage.ReservedTokens != want { // input + max_tokens, no burndown
			t.Errorf("reserved %d with CountTokens, want %d", res.Usage.ReservedTokens, want)
		}
		tokens = append(tokens, res.Usage.InputTokens)
		est, got := float64(bedrock.EstimateTokens(p)), float64(res.Usage.InputTokens)
		errs = append(errs, (est-got)/got)
	}
	slices.Sort(errs)
	slices.Sort(tokens)
	mean := 0.0
	for _, e := range errs {
		mean += e / float64(len(errs))
	}
	t.Logf("%d prompts of %d to %d input tokens (median %d): estimate error mean %+.1f%%, min %+.1f%%, median %+.1f%%, max %+.1f%%",
		len(errs), tokens[0], tokens[len(tokens)-1], tokens[len(tokens)/2], 100*mean, 100*errs[0], 100*errs[len(errs)/2], 100*errs[len(errs)-1])
	if math.Abs(mean) > 0.15 || errs[0] < -0.15 || errs[len(errs)-1] > 0.25 {
		t.Errorf("estimate off: mean %+.2f, range [%+.2f, %+.2f]", mean, errs[0], errs[len(errs)-1])
	}
}

// TestConverseAgainstEmulator runs the Converse path end to end.
func TestConverseAgainstEmulator(t *testing.T) {
	prompts := realPrompts(t)
	c := emulated(t, bedrock.WithOperation(bedrock.Converse), bedrock.WithCountTokens(true))
	res, err := c.Call(t.Context(), prompts[0])
	if err != nil {
		t.Fatal(err)
	}
	u := res.Usage
	if res.Text == "" || u.InputTokens == 0 || u.SettledTokens != u.InputTokens+5*u.OutputTokens || u.ReservedTokens != u.InputTokens+512 {
		t.Errorf("result %+v", res)
	}
}
