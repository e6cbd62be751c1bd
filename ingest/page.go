package ingest

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// pageLayouts are the date layouts tried on a page's date text after the
// source's own.
var pageLayouts = []string{
	time.RFC3339, "2006-01-02", "January 2, 2006", "Jan 2, 2006", "2 January 2006",
	"2 Jan 2006", "02.01.2006", "2006/01/02", "January 2 2006", "Monday, January 2, 2006",
}

// parsePage reads a news page with the source's selectors; links are
// resolved against base. A page where the item selector matches nothing is
// an error: the page has most likely changed its layout.
func parsePage(body []byte, base *url.URL, sel Selectors) ([]entry, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: page: %w", ErrParse, err)
	}
	items := doc.Find(sel.Item)
	if items.Length() == 0 {
		return nil, fmt.Errorf("%w: page: selector %q matches nothing", ErrParse, sel.Item)
	}
	out := make([]entry, 0, items.Length())
	items.Each(func(_ int, s *goquery.Selection) {
		out = append(out, pageEntry(s, base, sel))
	})
	return out, nil
}

func pageEntry(s *goquery.Selection, base *url.URL, sel Selectors) entry {
	e := entry{title: s.Text()}
	if sel.Title != "" {
		e.title = s.Find(sel.Title).First().Text()
	}
	if sel.Content != "" {
		e.content = s.Find(sel.Content).First().Text()
	}
	e.link = resolve(base, pageLink(s, sel.Link))
	if sel.Date != "" {
		e.published = pageDate(s.Find(sel.Date).First(), sel.DateLayout)
	}
	return e
}

func pageLink(s *goquery.Selection, sel string) string {
	if sel != "" {
		return s.Find(sel).First().AttrOr("href", "")
	}
	if href, ok := s.Attr("href"); ok {
		return href
	}
	return s.Find("a[href]").First().AttrOr("href", "")
}

func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil {
		return ""
	}
	return u.String()
}

// pageDate reads a datetime attribute or the text of s; zero when neither
// parses.
func pageDate(s *goquery.Selection, layout string) time.Time {
	texts := []string{s.AttrOr("datetime", ""), s.AttrOr("content", ""), strings.Join(strings.Fields(s.Text()), " ")}
	layouts := pageLayouts
	if layout != "" {
		layouts = append([]string{layout}, pageLayouts...)
	}
	for _, t := range texts {
		for _, l := range layouts {
			if t == "" {
				break
			}
			if d, err := time.Parse(l, t); err == nil {
				return d
			}
		}
	}
	return time.Time{}
}
