package normalize

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// TestRealPrompts: each real item captured from the original pipeline
// (../shared/data, outside the module, present in CI; package item checks
// how they parse) gets a prompt that carries its cleaned title on one line
// and stays within a few thousand tokens.
func TestRealPrompts(t *testing.T) {
	files := sample.RealData(".")
	if len(files) == 0 {
		t.Skip("no real data next to the repository")
	}
	raws, err := sample.LoadJSONL(files...)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(raws)
	items, _, _ := item.ParseItems(data)
	c := DefaultCanonical()
	for _, it := range items {
		p := BuildPrompt(it, c)
		if !strings.Contains(p.User, "TITLE: "+it.Title+"\n") || len(p.System)+len(p.User) > 12000 {
			t.Errorf("prompt for %s:\n%s", it.ItemID, p.User)
		}
	}
}
