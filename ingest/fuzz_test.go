package ingest

import (
	"net/url"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseFeed feeds arbitrary bytes to the feed parser and the item
// builder: no panic, and every item built is valid UTF-8 with a derived id.
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A &lt;b&gt;title&lt;/b&gt;</title><link>https://x/1</link><description>d</description><pubDate>Mon, 08 Dec 2025 10:00:00 +0000</pubDate></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>x</title><link href="https://x/2"/><updated>2025-12-08T10:00:00Z</updated><summary>s</summary></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","title":"j","content_text":"c"}]}`))
	f.Add([]byte("\xff\xfe<rss"))
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, err := parseFeed(body)
		if err != nil {
			return
		}
		src := Source{Key: "press_sector__fuzz", Type: "press_sector", Language: "en"}
		for _, e := range entries {
			it, ok := newItem(src, e, time.Date(2025, 12, 21, 0, 0, 0, 0, time.UTC))
			if !ok {
				continue
			}
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Content) || it.ItemID == "" {
				t.Fatalf("bad item from a feed: %+v", it)
			}
		}
	})
}

// FuzzParsePage feeds arbitrary HTML to the page parser.
func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`<ul><li class="n"><a href="/a">Title</a><time>2025-12-08</time></li></ul>`))
	f.Add([]byte(`<html><body><div class="n"><h2>t</h2></div>`))
	base, _ := url.Parse("https://example.com/news/")
	sel := Selectors{Item: ".n", Title: "a", Link: "a", Date: "time", DateLayout: "2006-01-02"}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = parsePage(body, base, sel)
	})
}

// FuzzParseCatalog feeds arbitrary YAML to the catalog parser.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte("sources:\n  - source_key: a\n    source_type: press_sector\n    ingestion_mode: rss\n    rss_url: https://x/rss\n    enabled: true\n"))
	f.Add([]byte("sources: [{source_key: ../x}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseCatalog(data)
	})
}
