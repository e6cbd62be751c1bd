package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// sonnet is the inference profile the pipeline calls.
const sonnet = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"

// instructions stand for the normalization prompt of the pipeline: about
// 2.6 k characters before the item.
const instructions = `You are an analyst for the pharmaceutical industry, specialised in long-acting injectables and drug delivery. You read one press item at a time and return a normalized record of it.

Return exactly one JSON object and nothing else: no prose before or after it, no Markdown fence. The object has these fields:
- "summary": two or three factual sentences in English that say what happened, who did it and why it matters. Do not speculate and do not repeat the title word for word.
- "event_type": one of clinical_update, regulatory, partnership, corporate_move, financial_results, scientific_publication, safety_signal, manufacturing_supply, other. Pick the single best fit; use other only when nothing fits.
- "event_confidence": a number between 0 and 1 that says how sure you are of event_type.
- "entities": an object with five lists of strings: "companies", "molecules" (international non-proprietary names), "technologies" (delivery platforms and modalities), "trademarks" (brand names of products) and "indications" (diseases and conditions). Copy each name exactly as it is written in the item. Leave a list empty when the item names nothing of that kind. Never invent a name that is not in the item.
- "date": the date of the event in ISO format (YYYY-MM-DD) when the item states it, else null. Prefer the date of the announcement over dates of future events.
- "date_confidence": a number between 0 and 1 for the date.

Rules:
1. Base every field on the item only. Do not use outside knowledge to add companies, products or dates.
2. When the title and the content disagree, trust the content.
3. When the content is empty, work from the title alone and lower your confidences.
4. Keep the summary under 80 words.
5. Numbers keep their units and currencies as written ($47.5M, €10 million).
6. If the item is not about the pharmaceutical industry at all, use event_type other with a confidence below 0.3.

Example of the expected shape (values are illustrative):
{"summary": "Acme Pharma reported positive Phase 3 results for its monthly injectable.", "event_type": "clinical_update", "event_confidence": 0.9, "entities": {"companies": ["Acme Pharma"], "molecules": [], "technologies": ["long-acting injectable"], "trademarks": [], "indications": ["schizophrenia"]}, "date": "2025-01-15", "date_confidence": 0.8}

The item follows.
`

// item is one press item of the shared sample data.
type item struct {
	Title   string `json:"title"`
	Content string `json:"content"`
}

// prompt builds the normalization prompt of it.
func (it item) prompt() string {
	c := it.Content
	if len(c) > 3000 {
		c = c[:3000]
	}
	return instructions + "\nTITLE: " + it.Title + "\nCONTENT: " + c + "\n"
}

// sampleItems returns built-in items plus the shared sample data when the
// repository sits next to it.
func sampleItems(t testing.TB) []item {
	items := []item{
		{Title: "FDA Approves Expanded Indication for UZEDY® (risperidone) Extended-Release Injectable Suspension as a Treatment for Adults Living with Bipolar I Disorder", Content: "FDA Approves Expanded Indication for UZEDY® (risperidone) Extended-Release Injectable Suspension as a Treatment for Adults Living with Bipolar I DisorderOctober 10, 2025October 10, 2025"},
		{Title: "Medincell Awarded New Grant to Fight Malaria", Content: "Medincell Awarded New Grant to Fight MalariaNovember 24, 2025November 24, 2025"},
		{Title: `<a href="https://www.fiercebiotech.com/medtech/natera-buys-foresight" hreflang="en">Natera buys Foresight Diagnostics in cancer testing deal worth up to $450M</a>`},
	}
	for _, name := range []string{"items-corporate.jsonl", "items-press-feeds.jsonl"} {
		items = append(items, readItems(t, filepath.Join("..", "..", "..", "shared", "data", name))...)
	}
	return items
}

func readItems(t testing.TB, path string) []item {
	f, err := os.Open(path)
	if err != nil {
		return nil // the shared data is optional
	}
	defer f.Close()
	var out []item
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var it item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, it)
	}
	return out
}

// newTestServer starts s behind httptest and returns an SDK client without
// retries that talks to it.
func newTestServer(t testing.TB, s *Server) *bedrockruntime.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL)
}

func newClient(t testing.TB, url string) *bedrockruntime.Client {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(),
		awsconfig.WithRegion("eu-west-3"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	})
}

// invokeBody is an Anthropic Messages body with one user message.
func invokeBody(prompt string, maxTokens int) []byte {
	b, _ := json.Marshal(map[string]any{
		"anthropic_version": "bedrock-2023-05-31",
		"max_tokens":        maxTokens,
		"temperature":       0,
		"messages":          []map[string]any{{"role": "user", "content": prompt}},
	})
	return b
}

// mustNew builds a Server or fails the test.
// mustNew starts a Server whose bucket holds a minute of quota unless opts
// say otherwise: the tests below count whole minutes of quota.
func mustNew(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(append([]Option{WithBurst(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
