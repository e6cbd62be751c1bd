package sample

import (
	"testing"
)

func TestItemsAreUsable(t *testing.T) {
	items := Items()
	got, ids := Select(items, 0)
	if len(items) != 60 || len(got) != 60 || len(ids) != 60 {
		t.Fatalf("items %d, usable %d, ids %d; want 60 each", len(items), len(got), len(ids))
	}
	days := map[string]int{}
	for i, it := range got {
		if it.ItemID != ids[i] {
			t.Errorf("item %d: stored id %q, derived %q", i, it.ItemID, ids[i])
		}
		days[day(it)]++
	}
	if len(days) != 5 {
		t.Errorf("days = %v, want 5 days", days)
	}
}

func TestSelectLimitsAndDedupes(t *testing.T) {
	items := Items()
	got, _ := Select(append(items[:3:3], items[0], items[4]), 4)
	if len(got) != 4 || got[3].ItemID != items[4].ItemID {
		t.Fatalf("Select kept %d items, last %q", len(got), got[len(got)-1].ItemID)
	}
}

func TestRealData(t *testing.T) {
	files := RealData(".")
	if len(files) == 0 {
		t.Skip("no ../shared/data folder")
	}
	items, err := LoadJSONL(files...)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Select(items, 60); len(got) != 60 {
		t.Fatalf("only %d usable real items", len(got))
	}
}
