package normalize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// realDataDir holds real items captured from the original pipeline; it is
// outside the module and present in CI. Package item checks how they parse.
const realDataDir = "../../shared/data"

// TestRealPrompts: each real item's prompt carries its cleaned title on one
// line and stays within a few thousand tokens.
func TestRealPrompts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realDataDir, "items-*.jsonl"))
	if len(files) == 0 {
		t.Skipf("no real data in %s", realDataDir)
	}
	c := DefaultCanonical()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items, _, _ := item.ParseItems(data)
		for _, it := range items {
			p := BuildPrompt(it, c)
			if !strings.Contains(p.User, "TITLE: "+it.Title+"\n") || len(p.System)+len(p.User) > 12000 {
				t.Errorf("%s: prompt for %s:\n%s", f, it.ItemID, p.User)
			}
		}
	}
}
