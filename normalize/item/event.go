package item

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Bounds on an Event.
const (
	MaxEventBytes  = 64 << 10
	MaxEventDepth  = 4
	MaxPeriodDays  = 365
	MaxSources     = 200
	MaxMaxItems    = 100_000
	MinYear        = 2000
	dateLayout     = "2006-01-02"
	fixWindow      = "set either period_days (1-365) or both from_date and to_date (YYYY-MM-DD, at most 365 days apart)"
	fixEventFormat = `send one JSON object such as {"client_id":"acme","period_days":7}`
)

// Event is the Lambda invocation payload. The window is either PeriodDays
// (counting back from the invocation day, inclusive) or FromDate..ToDate,
// both inclusive. An Event is a plain value, safe for concurrent reads.
type Event struct {
	ClientID       string   `json:"client_id"`
	PeriodDays     int      `json:"period_days,omitempty"`
	FromDate       string   `json:"from_date,omitempty"`
	ToDate         string   `json:"to_date,omitempty"`
	Sources        []string `json:"sources,omitempty"`
	MaxItems       int      `json:"max_items,omitempty"` // 0 means no limit
	ForceReprocess bool     `json:"force_reprocess,omitempty"`
	DryRun         bool     `json:"dry_run,omitempty"`
	// Mode chooses the phases: "ingest" fetches the client's sources into
	// raw items, "normalize" normalizes what is already ingested, "both"
	// does one then the other. Empty means both when the client has a
	// configuration in the config bucket, else normalize only.
	Mode string `json:"mode,omitempty"`
}

// The modes of an Event.
const (
	ModeBoth      = "both"
	ModeIngest    = "ingest"
	ModeNormalize = "normalize"
)

// Ingests reports whether the event asks for ingestion (explicitly or by
// default).
func (e Event) Ingests() bool { return e.Mode != ModeNormalize }

// Normalizes reports whether the event asks for normalization (explicitly
// or by default).
func (e Event) Normalizes() bool { return e.Mode != ModeIngest }

// ParseEvent decodes one JSON object into an Event. It rejects unknown
// fields, wrong types, trailing data, documents over MaxEventBytes and
// nesting deeper than MaxEventDepth, returning a *FieldError, or, when
// several fields are wrong, each one's *FieldError joined with
// errors.Join; the Event then holds the fields that could be decoded. It
// does not validate values: call Validate, or DecodeEvent for both.
func ParseEvent(data []byte) (Event, error) {
	var ev Event
	data = trimBOM(data)
	switch {
	case len(data) == 0:
		return ev, &FieldError{Field: "event", Reason: "is empty", Fix: fixEventFormat}
	case len(data) > MaxEventBytes:
		return ev, &FieldError{Field: "event", Reason: fmt.Sprintf("is %d bytes, more than %d", len(data), MaxEventBytes), Fix: fixEventFormat}
	case NestingDepth(data, MaxEventDepth) > MaxEventDepth:
		return ev, &FieldError{Field: "event", Reason: fmt.Sprintf("nests deeper than %d levels", MaxEventDepth), Fix: fixEventFormat}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		fe := decodeError(err)
		if fe.Field == "event" {
			return Event{}, fe
		}
		// A field is wrong but the document is an object: decode field by
		// field so that every wrong field is named, not only the first.
		return decodeFields(data)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Event{}, &FieldError{Field: "event", Reason: "has data after the JSON object", Fix: fixEventFormat}
	}
	return ev, nil
}

// DecodeEvent is ParseEvent then Validate against now: it returns the
// Event, or every *FieldError of the document joined with errors.Join, a
// field that could not be decoded being named once (by its decoding
// error, not again by Validate).
func DecodeEvent(data []byte, now time.Time) (Event, error) {
	ev, err := ParseEvent(data)
	bad := map[string]bool{}
	for _, e := range fieldErrors(err) {
		if e.Field == "event" {
			return ev, err
		}
		bad[e.Field] = true
	}
	errs := []error{err}
	for _, e := range fieldErrors(ev.Validate(now)) {
		field, _, _ := strings.Cut(e.Field, "[")
		if !bad[field] && !(windowField[field] && (bad["period_days"] || bad["from_date"] || bad["to_date"])) {
			errs = append(errs, e)
		}
	}
	if err = errors.Join(errs...); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// windowField holds the fields of the window, which Validate checks
// together: one that could not be decoded makes the others' errors moot.
var windowField = map[string]bool{"period_days": true, "from_date": true, "to_date": true}

// fieldErrors lists the *FieldErrors of a (joined) error.
func fieldErrors(err error) []*FieldError {
	var fe *FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe) && fe == err:
		return []*FieldError{fe}
	}
	var out []*FieldError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, fieldErrors(e)...)
		}
	}
	return out
}

// decodeFields decodes an object one member at a time, in document order,
// into the Event's fields, and joins a *FieldError for every member that is
// unknown or of the wrong type. As encoding/json does, names match the
// fields' JSON names case-insensitively and a later member wins.
func decodeFields(data []byte) (Event, error) {
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return Event{}, &FieldError{Field: "event", Reason: "is not a JSON object", Fix: fixEventFormat}
	}
	fields := ev.fields()
	var errs []error
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return Event{}, decodeError(err)
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Event{}, decodeError(err)
		}
		target := fieldNamed(fields, name)
		switch {
		case target == nil:
			errs = append(errs, decodeError(fmt.Errorf("json: unknown field %q", name)))
		case json.Unmarshal(raw, target.ptr) != nil:
			if !seen[target.name] {
				errs = append(errs, &FieldError{Field: target.name, Reason: fmt.Sprintf("has JSON %s, want %s", jsonKind(raw), target.want), Fix: "send the documented type for " + target.name})
			}
			seen[target.name] = true
		}
	}
	if _, err := dec.Token(); err != nil {
		return Event{}, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Event{}, &FieldError{Field: "event", Reason: "has data after the JSON object", Fix: fixEventFormat}
	}
	return ev, errors.Join(errs...)
}

// jsonKind names the JSON type of a value, or says which number it is
// (a fraction or an out-of-range integer is a number but not an integer).
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "type string"
	case '[':
		return "type array"
	case '{':
		return "type object"
	case 't', 'f':
		return "type boolean"
	case 'n':
		return "null"
	}
	return fmt.Sprintf("number %.20s", raw)
}

type eventField struct {
	name, want string
	ptr        any
}

// fields lists the decoding targets of e's members, in the order of the
// documentation.
func (e *Event) fields() []eventField {
	return []eventField{
		{"client_id", "a string", &e.ClientID}, {"period_days", "an integer", &e.PeriodDays},
		{"from_date", "a YYYY-MM-DD string", &e.FromDate}, {"to_date", "a YYYY-MM-DD string", &e.ToDate},
		{"sources", "a list of strings", &e.Sources}, {"max_items", "an integer", &e.MaxItems},
		{"force_reprocess", "true or false", &e.ForceReprocess}, {"dry_run", "true or false", &e.DryRun},
		{"mode", "a string", &e.Mode},
	}
}

func fieldNamed(fields []eventField, name string) *eventField {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, name) {
			return &fields[i]
		}
	}
	return nil
}

func decodeError(err error) *FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "event"
		}
		return &FieldError{Field: field, Reason: fmt.Sprintf("has JSON type %s, want %s", te.Value, te.Type), Fix: "send the documented type for " + field}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &FieldError{Field: strings.Trim(name, `"`), Reason: "is not a known field", Fix: "remove it; known fields are client_id, period_days, from_date, to_date, sources, max_items, force_reprocess, dry_run, mode"}
	}
	return &FieldError{Field: "event", Reason: "is not valid JSON: " + err.Error(), Fix: fixEventFormat}
}

// Validate checks every field against now (the invocation time) and returns
// nil or the *FieldError of each problem joined with errors.Join.
func (e Event) Validate(now time.Time) error {
	errs := []error{CheckClientID(e.ClientID)}
	errs = append(errs, e.checkWindow(now)...)
	errs = append(errs, e.checkSources()...)
	switch e.Mode {
	case "", ModeBoth, ModeIngest, ModeNormalize:
	default:
		errs = append(errs, &FieldError{Field: "mode", Reason: fmt.Sprintf("is %q", e.Mode), Fix: "use both, ingest or normalize, or omit it"})
	}
	if e.MaxItems < 0 || e.MaxItems > MaxMaxItems {
		errs = append(errs, &FieldError{Field: "max_items", Reason: fmt.Sprintf("is %d", e.MaxItems), Fix: fmt.Sprintf("use 0 (no limit) to %d", MaxMaxItems)})
	}
	return errors.Join(errs...)
}

func (e Event) checkSources() []error {
	if len(e.Sources) > MaxSources {
		return []error{&FieldError{Field: "sources", Reason: fmt.Sprintf("lists %d sources, more than %d", len(e.Sources), MaxSources), Fix: "split the run or omit sources to take them all"}}
	}
	var errs []error
	for i, s := range e.Sources {
		if err := CheckSourceKey(s); err != nil {
			fe := err.(*FieldError)
			fe.Field = fmt.Sprintf("sources[%d]", i)
			errs = append(errs, fe)
		}
	}
	return errs
}

func (e Event) checkWindow(now time.Time) []error {
	hasDates := e.FromDate != "" || e.ToDate != ""
	switch {
	case e.PeriodDays != 0 && hasDates:
		return []error{&FieldError{Field: "period_days", Reason: "is set together with from_date/to_date", Fix: fixWindow}}
	case e.PeriodDays != 0:
		if e.PeriodDays < 1 || e.PeriodDays > MaxPeriodDays {
			return []error{&FieldError{Field: "period_days", Reason: fmt.Sprintf("is %d, outside 1-%d", e.PeriodDays, MaxPeriodDays), Fix: fixWindow}}
		}
		return nil
	case !hasDates:
		return []error{&FieldError{Field: "period_days", Reason: "no window is set", Fix: fixWindow}}
	}
	return checkDates(e.FromDate, e.ToDate, now)
}

func checkDates(fromS, toS string, now time.Time) []error {
	from, err1 := parseDay("from_date", fromS, now)
	to, err2 := parseDay("to_date", toS, now)
	if err := errors.Join(err1, err2); err != nil {
		return []error{err1, err2}
	}
	if to.Before(from) {
		return []error{&FieldError{Field: "to_date", Reason: fmt.Sprintf("%s is before from_date %s", toS, fromS), Fix: "swap the dates"}}
	}
	if span := int(to.Sub(from).Hours()/24) + 1; span > MaxPeriodDays {
		return []error{&FieldError{Field: "to_date", Reason: fmt.Sprintf("window spans %d days", span), Fix: fixWindow}}
	}
	return nil
}

// parseDay parses a YYYY-MM-DD date between MinYear and one year after now.
func parseDay(field, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{Field: field, Reason: "is missing", Fix: fixWindow}
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return d, &FieldError{Field: field, Reason: fmt.Sprintf("%q is not a YYYY-MM-DD date", s), Fix: "write the date as YYYY-MM-DD, e.g. 2025-12-21"}
	}
	if d.Year() < MinYear || d.After(now.UTC().AddDate(1, 0, 0)) {
		return d, &FieldError{Field: field, Reason: fmt.Sprintf("%s is outside %d-01-01 .. one year from now", s, MinYear), Fix: "use a date in that range"}
	}
	return d, nil
}
