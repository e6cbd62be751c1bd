package normalize

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/normalize/item"
)

func TestDefaultCanonical(t *testing.T) {
	c := DefaultCanonical()
	want := []string{"clinical_update", "regulatory", "partnership", "corporate_move", "financial_results",
		"scientific_publication", "safety_signal", "manufacturing_supply", "other"}
	if !slices.Equal(c.EventTypes, want) {
		t.Errorf("event types %v", c.EventTypes)
	}
	for _, must := range []struct {
		list []string
		name string
	}{
		{c.Companies, "MedinCell"}, {c.Companies, "Camurus"}, {c.Molecules, "risperidone"},
		{c.Technologies, "BEPO"}, {c.Trademarks, "UZEDY"}, {c.Indications, "opioid use disorder"},
	} {
		if !slices.Contains(must.list, must.name) {
			t.Errorf("%s missing", must.name)
		}
	}
	c.Companies[0] = "mutated"
	if DefaultCanonical().Companies[0] == "mutated" {
		t.Error("DefaultCanonical shares its slices")
	}
}

func TestLoadCanonical(t *testing.T) {
	c, err := LoadCanonical(map[string][]byte{
		"canonical/companies.txt": []byte("\xef\xbb\xbf# test\nAcme Bio\n\n  Beta Pharma  \n"),
		"event_types.txt":         []byte("regulatory\nother\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Companies, []string{"Acme Bio", "Beta Pharma"}) || !slices.Equal(c.EventTypes, []string{"regulatory", "other"}) {
		t.Errorf("got %v %v", c.Companies, c.EventTypes)
	}
	if !slices.Contains(c.Molecules, "risperidone") {
		t.Error("defaults not kept for other files")
	}
	if !c.HasEventType("regulatory") || c.HasEventType("partnership") {
		t.Error("HasEventType")
	}
}

func TestLoadCanonicalErrors(t *testing.T) {
	tests := []struct {
		name, file, data string
		line             int
	}{
		{"unknown file", "drugs.txt", "x", 0},
		{"traversal", "canonical/../companies.txt", "x", 0},
		{"empty", "molecules.txt", "# nothing\n\n", 0},
		{"duplicate", "companies.txt", "Teva\nAcme\nteva\n", 3},
		{"control", "companies.txt", "ok\nbad\x07name\n", 2},
		{"invalid utf8", "trademarks.txt", "ok\n\xff\xfe\n", 2},
		{"too long", "indications.txt", strings.Repeat("x", 201), 1},
		{"no other", "event_types.txt", "regulatory\n", 0},
		{"not snake", "event_types.txt", "other\nClinical Update\n", 2},
		{"too big", "companies.txt", strings.Repeat("a\n", MaxCanonicalFileBytes), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCanonical(map[string][]byte{tt.file: []byte(tt.data)})
			var ce *CanonicalError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCanonical) {
				t.Fatalf("err = %v", err)
			}
			if ce.File != tt.file || ce.Line != tt.line || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("err = %v (file %q line %d), want file %q line %d", err, ce.File, ce.Line, tt.file, tt.line)
			}
		})
	}
}

func TestCanonicalKey(t *testing.T) {
	if got, err := CanonicalKey("companies.txt"); err != nil || got != "canonical/companies.txt" {
		t.Errorf("canonical: %q, %v; want %q", got, err, "canonical/companies.txt")
	}
	if got, err := CanonicalKey("../secrets"); !errors.Is(err, item.ErrInvalidKey) || got != "" {
		t.Errorf("canonical unknown: %q, %v", got, err)
	}
}
