package normalize_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// promptItems are the project's sample items and, when present, the real
// ones of ../shared/data.
func promptItems(t *testing.T) []item.Raw {
	t.Helper()
	raws := sample.Items()
	if files := sample.RealData("."); len(files) > 0 {
		real, err := sample.LoadJSONL(files...)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, real...)
	}
	data, _ := json.Marshal(raws)
	items, _, _ := item.ParseItems(data)
	return items
}

// TestSystemPromptIsTheCachedPrefix guards the prompt cache: the system
// prompt, sent before the cache checkpoint, is byte-identical for every
// item of a client and for every load of the same lists (another
// invocation, another environment reading the same files, in any order,
// with a BOM or CRLF line ends), holds no per-item value, and is long
// enough to be cached (1,024 tokens on Claude Sonnet). The item is all in
// the user turn, after the checkpoint.
func TestSystemPromptIsTheCachedPrefix(t *testing.T) {
	items := promptItems(t)
	canon := normalize.DefaultCanonical()
	want := normalize.BuildPrompt(items[0], canon).System
	for _, it := range items {
		p := normalize.BuildPrompt(it, canon)
		if p.System != want {
			t.Fatalf("item %s changes the system prompt", it.ItemID)
		}
		if it.Title != "" && strings.Contains(p.System, it.Title) || !strings.Contains(p.User, "TITLE: ") {
			t.Fatalf("item %s is not confined to the user turn", it.ItemID)
		}
	}
	files := map[string][]byte{}
	for _, name := range normalize.CanonicalFiles() {
		data, err := os.ReadFile("canonical/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = append([]byte("\xef\xbb\xbf"), strings.ReplaceAll(string(data), "\n", "\r\n")...)
	}
	for range 3 { // map order differs between loads
		loaded, err := normalize.LoadCanonical(files)
		if err != nil {
			t.Fatal(err)
		}
		if got := normalize.BuildPrompt(items[0], loaded).System; got != want {
			t.Fatal("the same lists, loaded again, give another system prompt")
		}
	}
	if n := bedrock.EstimateTokens(bedrock.Prompt{System: want}); n < 1024 {
		t.Errorf("system prompt ≈ %d tokens: below the 1,024 a Sonnet checkpoint needs", n)
	}
}
