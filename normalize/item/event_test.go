package item

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 12, 21, 15, 4, 5, 0, time.UTC)

// checkEvent runs ParseEvent then Validate, as the handler does.
func checkEvent(data string) error {
	ev, err := ParseEvent([]byte(data))
	if err != nil {
		return err
	}
	return ev.Validate(testNow)
}

func TestEventValid(t *testing.T) {
	for _, data := range []string{
		`{"client_id":"acme","period_days":7}`,
		`{"client_id":"lai_weekly-2","period_days":365,"max_items":50,"dry_run":true}`,
		`{"client_id":"acme","from_date":"2025-12-01","to_date":"2025-12-21"}`,
		`{"client_id":"acme","from_date":"2025-01-01","to_date":"2025-12-31"}`,
		`{"client_id":"acme","period_days":1,"sources":["press_corporate__medincell","rss.fierce-pharma"],"force_reprocess":true}`,
		"\xef\xbb\xbf {\"client_id\":\"acme\",\"period_days\":3}\n",
		`{"client_id":"` + strings.Repeat("a", 64) + `","period_days":3}`,
	} {
		if err := checkEvent(data); err != nil {
			t.Errorf("%s: %v", data, err)
		}
	}
}

func TestEventInvalid(t *testing.T) {
	deep := strings.Repeat(`[`, 50) + strings.Repeat(`]`, 50)
	tests := []struct {
		name, data, field string
	}{
		{"missing client", `{"period_days":7}`, "client_id"},
		{"empty client", `{"client_id":"","period_days":7}`, "client_id"},
		{"null client", `{"client_id":null,"period_days":7}`, "client_id"},
		{"traversal client", `{"client_id":"../x","period_days":7}`, "client_id"},
		{"slash client", `{"client_id":"a/b","period_days":7}`, "client_id"},
		{"dot client", `{"client_id":"a.b","period_days":7}`, "client_id"},
		{"long client", `{"client_id":"` + strings.Repeat("x", 1000) + `","period_days":7}`, "client_id"},
		{"unicode client", `{"client_id":"clïent","period_days":7}`, "client_id"},
		{"control client", `{"client_id":"a\u0000b","period_days":7}`, "client_id"},
		{"space client", `{"client_id":" acme","period_days":7}`, "client_id"},
		{"client number", `{"client_id":42,"period_days":7}`, "client_id"},
		{"no window", `{"client_id":"acme"}`, "period_days"},
		{"period zero means unset", `{"client_id":"acme","period_days":0}`, "period_days"},
		{"period negative", `{"client_id":"acme","period_days":-1}`, "period_days"},
		{"period too long", `{"client_id":"acme","period_days":366}`, "period_days"},
		{"period float", `{"client_id":"acme","period_days":1.5}`, "period_days"},
		{"period string", `{"client_id":"acme","period_days":"7"}`, "period_days"},
		{"period and dates", `{"client_id":"acme","period_days":7,"from_date":"2025-12-01","to_date":"2025-12-02"}`, "period_days"},
		{"from only", `{"client_id":"acme","from_date":"2025-12-01"}`, "to_date"},
		{"to only", `{"client_id":"acme","to_date":"2025-12-01"}`, "from_date"},
		{"reversed", `{"client_id":"acme","from_date":"2025-12-21","to_date":"2025-12-01"}`, "to_date"},
		{"span too long", `{"client_id":"acme","from_date":"2024-01-01","to_date":"2025-01-01"}`, "to_date"},
		{"bad date", `{"client_id":"acme","from_date":"2025-13-01","to_date":"2025-12-21"}`, "from_date"},
		{"date with time", `{"client_id":"acme","from_date":"2025-12-01T00:00:00Z","to_date":"2025-12-21"}`, "from_date"},
		{"ancient", `{"client_id":"acme","from_date":"1999-12-31","to_date":"2000-01-02"}`, "from_date"},
		{"far future", `{"client_id":"acme","from_date":"2030-01-01","to_date":"2030-01-02"}`, "from_date"},
		{"source traversal", `{"client_id":"acme","period_days":1,"sources":["ok","../etc"]}`, "sources[1]"},
		{"source slash", `{"client_id":"acme","period_days":1,"sources":["a/b"]}`, "sources[0]"},
		{"source empty", `{"client_id":"acme","period_days":1,"sources":[""]}`, "sources[0]"},
		{"source control", `{"client_id":"acme","period_days":1,"sources":["a\nb"]}`, "sources[0]"},
		{"sources too many", `{"client_id":"acme","period_days":1,"sources":[` + strings.Repeat(`"s",`, 200) + `"s"]}`, "sources"},
		{"sources not list", `{"client_id":"acme","period_days":1,"sources":"a"}`, "sources"},
		{"max items negative", `{"client_id":"acme","period_days":1,"max_items":-1}`, "max_items"},
		{"max items huge", `{"client_id":"acme","period_days":1,"max_items":1e9}`, "max_items"},
		{"dry run string", `{"client_id":"acme","period_days":1,"dry_run":"yes"}`, "dry_run"},
		{"unknown field", `{"client_id":"acme","period_days":1,"clientId":"x"}`, "clientId"},
		{"trailing data", `{"client_id":"acme","period_days":1} {"x":1}`, "event"},
		{"trailing garbage", `{"client_id":"acme","period_days":1}xyz`, "event"},
		{"not an object", `["acme"]`, "event"},
		{"empty", ``, "event"},
		{"not json", `client_id=acme`, "event"},
		{"truncated", `{"client_id":"acme"`, "event"},
		{"deep", `{"client_id":"acme","period_days":1,"sources":` + deep + `}`, "event"},
		{"huge", `{"client_id":"acme","period_days":1,"sources":["` + strings.Repeat("a", MaxEventBytes) + `"]}`, "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkEvent(tt.data)
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("err = %v, want ErrInvalidEvent", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want field %q", err, tt.field)
			}
			if fe.Reason == "" || fe.Fix == "" || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error lacks field, reason or fix: %v", err)
			}
		})
	}
}

func TestEventValidateJoinsErrors(t *testing.T) {
	ev := Event{ClientID: "a/b", PeriodDays: 999, MaxItems: -3}
	err := ev.Validate(testNow)
	for _, f := range []string{`"client_id"`, `"period_days"`, `"max_items"`} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("joined error %q lacks %s", err, f)
		}
	}
}

func TestEventDays(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(dateLayout, s); return d }
	tests := []struct {
		ev          Event
		first, last string
		n           int
	}{
		{Event{ClientID: "a", PeriodDays: 1}, "2025-12-21", "2025-12-21", 1},
		{Event{ClientID: "a", PeriodDays: 7}, "2025-12-15", "2025-12-21", 7},
		{Event{ClientID: "a", PeriodDays: 365}, "2024-12-22", "2025-12-21", 365},
		{Event{ClientID: "a", FromDate: "2024-02-27", ToDate: "2024-03-01"}, "2024-02-27", "2024-03-01", 4},
		{Event{ClientID: "a", FromDate: "2025-12-21", ToDate: "2025-12-21"}, "2025-12-21", "2025-12-21", 1},
	}
	for _, tt := range tests {
		days := tt.ev.Days(testNow)
		if len(days) != tt.n || !days[0].Equal(day(tt.first)) || !days[len(days)-1].Equal(day(tt.last)) {
			t.Errorf("%+v: got %d days %v..%v", tt.ev, len(days), days[0], days[len(days)-1])
		}
		for _, d := range days {
			if d.Location() != time.UTC || d.Hour() != 0 {
				t.Errorf("day %v is not a UTC midnight", d)
			}
		}
	}
	if d := (Event{ClientID: "a"}).Days(testNow); d != nil {
		t.Errorf("invalid window gave days %v", d)
	}
	// A time late on the 21st in UTC+10 is the 21st in UTC, early on the 21st in UTC-10 is still the 21st.
	east := time.Date(2025, 12, 22, 5, 0, 0, 0, time.FixedZone("AEST", 10*3600))
	if got := (Event{ClientID: "a", PeriodDays: 1}).Days(east); !got[0].Equal(day("2025-12-21")) {
		t.Errorf("UTC day of %v = %v", east, got[0])
	}
}

func TestEventRunKey(t *testing.T) {
	a := Event{ClientID: "acme", PeriodDays: 7}
	b := Event{ClientID: "acme", FromDate: "2025-12-15", ToDate: "2025-12-21", MaxItems: 3, DryRun: true}
	if a.RunKey(testNow) != b.RunKey(testNow) || a.RunKey(testNow) != "acme:2025-12-15:2025-12-21:all" {
		t.Errorf("same window: %q vs %q", a.RunKey(testNow), b.RunKey(testNow))
	}
	s1 := Event{ClientID: "acme", PeriodDays: 7, Sources: []string{"x", "y", "x"}}
	s2 := Event{ClientID: "acme", PeriodDays: 7, Sources: []string{"y", "x"}}
	s3 := Event{ClientID: "acme", PeriodDays: 7, Sources: []string{"y"}}
	if s1.RunKey(testNow) != s2.RunKey(testNow) || s1.RunKey(testNow) == s3.RunKey(testNow) || s1.RunKey(testNow) == a.RunKey(testNow) {
		t.Errorf("sources: %q %q %q", s1.RunKey(testNow), s2.RunKey(testNow), s3.RunKey(testNow))
	}
	if k := a.RunKey(testNow.Add(24 * time.Hour)); k == a.RunKey(testNow) {
		t.Errorf("next day has the same key %q", k)
	}
	if k := (Event{ClientID: "../x", PeriodDays: 1}).RunKey(testNow); k != "" {
		t.Errorf("invalid event key %q", k)
	}
}

// TestDecodeEventListsEveryField is issue 15's "a type error must not hide
// the other field errors": every wrong field is named once, type errors,
// unknown fields and invalid values alike.
func TestDecodeEventListsEveryField(t *testing.T) {
	_, err := DecodeEvent([]byte(`{"client_id":42,"period_days":"7","sources":["ok","../x"],"max_items":-1,"mode":"fetch","dry_run":"yes","bogus":1}`), testNow)
	want := []string{"client_id", "period_days", "sources[1]", "max_items", "mode", "dry_run", "bogus"}
	fields := fieldErrors(err)
	got := make([]string, len(fields))
	for i, fe := range fields {
		got[i] = fe.Field
	}
	if strings.Join(got, ",") != "client_id,period_days,dry_run,bogus,sources[1],mode,max_items" {
		t.Errorf("fields %v, want each of %v once", got, want)
	}
	if !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("err = %v, want ErrInvalidEvent", err)
	}
	if !strings.Contains(err.Error(), `"client_id": has JSON number 42, want a string`) {
		t.Errorf("type error unclear: %v", err)
	}
	if ev, err := DecodeEvent([]byte(`{"client_id":"acme","period_days":7,"mode":"both"}`), testNow); err != nil || ev.Mode != ModeBoth {
		t.Errorf("valid event: %+v, %v", ev, err)
	}
	if _, err := DecodeEvent([]byte(`{"client_id":1,"period_days":1} x`), testNow); len(fieldErrors(err)) != 1 || fieldErrors(err)[0].Field != "event" {
		t.Errorf("trailing data after a type error: %v, want one error on the event", err)
	}
}
