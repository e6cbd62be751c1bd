package emulator

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	isoDate = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`)
	// "June 12th, 2025", "December 9, 2025"
	monthDayYear = regexp.MustCompile(`(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})\b`)
	// "12 June 2025"
	dayMonthYear = regexp.MustCompile(`\b(\d{1,2})\s+(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4})\b`)
)

// findDate returns the first valid date of text as YYYY-MM-DD with a
// confidence (ISO dates 0.9, written-out dates 0.8), or "" and 0.
func findDate(text string) (string, float64) {
	if m := isoDate.FindStringSubmatch(text); m != nil {
		if d, ok := makeDate(m[1], m[2], m[3]); ok {
			return d, 0.9
		}
	}
	if m := monthDayYear.FindStringSubmatch(text); m != nil {
		if d, ok := makeDate(m[3], monthNumber(m[1]), m[2]); ok {
			return d, 0.8
		}
	}
	if m := dayMonthYear.FindStringSubmatch(text); m != nil {
		if d, ok := makeDate(m[3], monthNumber(m[2]), m[1]); ok {
			return d, 0.8
		}
	}
	return "", 0
}

func monthNumber(name string) string {
	t, err := time.Parse("January", name)
	if err != nil {
		return ""
	}
	return strconv.Itoa(int(t.Month()))
}

// makeDate validates and formats a date from its parts.
func makeDate(year, month, day string) (string, bool) {
	y, err1 := strconv.Atoi(year)
	m, err2 := strconv.Atoi(strings.TrimLeft(month, "0"))
	d, err3 := strconv.Atoi(strings.TrimLeft(day, "0"))
	if err1 != nil || err2 != nil || err3 != nil || y < 1990 || y > 2100 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(m) || t.Day() != d {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
