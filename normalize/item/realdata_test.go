package item

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realDataDir holds real items captured from the original pipeline; it is
// outside the module and present in CI.
const realDataDir = "../../../shared/data"

func TestRealItems(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realDataDir, "items-*.jsonl"))
	if len(files) == 0 {
		t.Skipf("no real data in %s", realDataDir)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items, bad, err := ParseItems(data)
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", f, err, bad)
		}
		again, _, _ := ParseItems(data)
		for i, it := range items {
			checkRealItem(t, f, it, again[i])
		}
		total += len(items)
	}
	if total != 173 {
		t.Errorf("parsed %d real items, want 173", total)
	}
}

func checkRealItem(t *testing.T, file string, it, again Raw) {
	t.Helper()
	if it != again {
		t.Errorf("%s: parsing is not deterministic: %+v vs %+v", file, it, again)
	}
	if strings.ContainsAny(it.Title, "<>") || strings.Contains(it.Title, "&amp;") || it.Title == "" {
		t.Errorf("%s: title not cleaned: %q", file, it.Title)
	}
	if err := CheckItemID(it.ItemID); err != nil {
		t.Errorf("%s: %v", file, err)
	}
	sum := md5.Sum([]byte(it.Title))
	if !strings.HasSuffix(it.ItemID, "_"+hex.EncodeToString(sum[:3])) || !strings.HasPrefix(it.ItemID, it.SourceKey+"_") {
		t.Errorf("%s: id %q not derived from source and title %q", file, it.ItemID, it.Title)
	}
	if !validContentHash(it.ContentHash) {
		t.Errorf("%s: hash %q", file, it.ContentHash)
	}
	if errors.Is(it.Check(), ErrEmptyItem) {
		t.Errorf("%s: real item %s is empty", file, it.ItemID)
	}
}
