package item

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	day := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		fn   func() (string, error)
		want string
	}{
		{"input", func() (string, error) { return InputKey("acme", day) }, "ingested/acme/2025/12/01/items.json"},
		{"day", func() (string, error) { return DayKey("acme", day) }, "normalized/acme/2025/12/01/items.json"},
		{"item", func() (string, error) { return ItemKey("acme", day, "src_20251201_abc123") }, "normalized/acme/2025/12/01/items/src_20251201_abc123.json"},
		{"item prefix", func() (string, error) { return ItemPrefix("acme", day) }, "normalized/acme/2025/12/01/items/"},
		{"utc", func() (string, error) {
			return InputKey("acme", time.Date(2025, 12, 2, 1, 0, 0, 0, time.FixedZone("CET", 3600*2)))
		}, "ingested/acme/2025/12/01/items.json"},
	}
	for _, tt := range tests {
		got, err := tt.fn()
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestKeysReject(t *testing.T) {
	day := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		fn   func() (string, error)
	}{
		{"client traversal", func() (string, error) { return InputKey("../x", day) }},
		{"client slash", func() (string, error) { return DayKey("a/b", day) }},
		{"client empty", func() (string, error) { return ItemPrefix("", day) }},
		{"client long", func() (string, error) { return InputKey(strings.Repeat("a", 65), day) }},
		{"item traversal", func() (string, error) { return ItemKey("acme", day, "..") }},
		{"item slash", func() (string, error) { return ItemKey("acme", day, "a/../../b") }},
		{"item empty", func() (string, error) { return ItemKey("acme", day, "") }},
		{"item dot", func() (string, error) { return ItemKey("acme", day, ".hidden") }},
		{"zero day", func() (string, error) { return InputKey("acme", time.Time{}) }},
	}
	for _, tt := range tests {
		if got, err := tt.fn(); !errors.Is(err, ErrInvalidKey) || got != "" {
			t.Errorf("%s: %q, %v", tt.name, got, err)
		}
	}
}
