package item

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Window returns the first and last UTC days (midnight) of the event's
// window; ok is false when the window is not valid. PeriodDays counts back
// from now's UTC day, inclusive.
func (e Event) Window(now time.Time) (from, to time.Time, ok bool) {
	if len(e.checkWindow(now)) > 0 {
		return time.Time{}, time.Time{}, false
	}
	if e.PeriodDays > 0 {
		to = utcDay(now)
		return to.AddDate(0, 0, 1-e.PeriodDays), to, true
	}
	from, _ = time.Parse(dateLayout, e.FromDate)
	to, _ = time.Parse(dateLayout, e.ToDate)
	return from, to, true
}

// Days lists the UTC days of the window in ascending order, or nil when the
// window is not valid.
func (e Event) Days(now time.Time) []time.Time {
	from, to, ok := e.Window(now)
	if !ok {
		return nil
	}
	var days []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days
}

// RunKey returns a stable identifier of (client, window, sources): two
// invocations that target the same client, the same days and the same set of
// sources share one run, whatever the order of sources, the other options or
// whether the window was given as period_days or dates. It looks like
// "acme:2025-12-15:2025-12-21:all" or "acme:…:s-1f2e3d4c5b6a" and is safe as a
// DynamoDB key and an S3 key segment. It is "" when the event is not valid.
func (e Event) RunKey(now time.Time) string {
	if e.Validate(now) != nil {
		return ""
	}
	from, to, _ := e.Window(now)
	return strings.Join([]string{e.ClientID, from.Format(dateLayout), to.Format(dateLayout), sourcesKey(e.Sources)}, ":")
}

func sourcesKey(sources []string) string {
	if len(sources) == 0 {
		return "all"
	}
	s := slices.Clone(sources)
	slices.Sort(s)
	s = slices.Compact(s)
	sum := sha256.Sum256([]byte(strings.Join(s, "\n")))
	return "s-" + hex.EncodeToString(sum[:6])
}

func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
