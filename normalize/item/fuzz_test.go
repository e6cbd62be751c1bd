package item

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"client_id":"acme","period_days":7}`,
		`{"client_id":"acme","from_date":"2025-12-01","to_date":"2025-12-21","sources":["a.b","c"]}`,
		`{"client_id":"../x","period_days":-1}`,
		`{"client_id":"a","period_days":1} trailing`,
		`{"sources":[[[[]]]]}`,
		"\xef\xbb\xbf{}",
		`{"client_id":"a","unknown":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseEvent(data)
		if _, derr := DecodeEvent(data, testNow); (derr == nil) != (err == nil && ev.Validate(testNow) == nil) {
			t.Fatalf("DecodeEvent error %v disagrees with ParseEvent %v and Validate %v", derr, err, ev.Validate(testNow))
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseEvent error %T %v is not a *FieldError", err, err)
			}
			return
		}
		if ev.Validate(testNow) != nil {
			if ev.Days(testNow) != nil && ev.checkWindow(testNow) != nil {
				t.Fatal("days for an invalid window")
			}
			return
		}
		days := ev.Days(testNow)
		if len(days) < 1 || len(days) > MaxPeriodDays {
			t.Fatalf("valid event has %d days", len(days))
		}
		if _, err := InputKey(ev.ClientID, days[0]); err != nil {
			t.Fatalf("valid event gives no key: %v", err)
		}
		if k := ev.RunKey(testNow); k == "" || strings.ContainsAny(k, "/ ") {
			t.Fatalf("run key %q", k)
		}
	})
}

func FuzzParseItems(f *testing.F) {
	for _, s := range []string{
		corporateLine + "\n" + feedLine,
		"[" + corporateLine + "," + feedLine + "]",
		`{"source_key":"s","item_id":"../x"}`,
		"{\"source_key\":\"s\",\"title\":\"<a href='x'>caf\xe9</a>\"}\n{bad",
		"[1, null, \"x\"]",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, bad, err := ParseItems(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedItems) || items != nil {
				t.Fatalf("error %v with %d items", err, len(items))
			}
			return
		}
		seen := map[string]bool{}
		for _, it := range items {
			if CheckItemID(it.ItemID) != nil || CheckSourceKey(it.SourceKey) != nil || seen[it.ItemID] {
				t.Fatalf("unsafe or duplicate item %+v", it)
			}
			seen[it.ItemID] = true
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Content) || !validContentHash(it.ContentHash) {
				t.Fatalf("unclean item %+v", it)
			}
		}
		for _, b := range bad {
			if b.Position < 1 || b.Reason == "" {
				t.Fatalf("incomplete ItemError %+v", b)
			}
		}
	})
}
