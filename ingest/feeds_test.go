package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// feedServer serves documents by path with ETag and Last-Modified, answers
// 304 to a matching If-None-Match, and counts requests per path.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	docs        map[string][]byte
	hits        map[string]int
	conditional map[string]int
}

func newFeedServer(t testing.TB) *feedServer {
	s := &feedServer{docs: map[string][]byte{}, hits: map[string]int{}, conditional: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) put(path string, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = body
	return s.URL + path
}

func (s *feedServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	if r.Header.Get("If-None-Match") != "" {
		s.conditional[r.URL.Path]++
	}
	body, ok := s.docs[r.URL.Path]
	s.mu.Unlock()
	switch r.URL.Path {
	case "/broken/timeout":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	case "/broken/invalid":
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut <short`)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", ingestDay.Format(http.TimeFormat))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}

// rssDoc builds an RSS 2.0 feed; the raw titles (HTML and all) are escaped
// as feeds do.
func rssDoc(rows []row) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<rss version="2.0"><channel><title>Test feed</title><link>https://press.example/</link><description>test</description>`)
	for _, r := range rows {
		fmt.Fprintf(&b, "\n<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate>",
			html.EscapeString(r.Title), html.EscapeString(r.URL), html.EscapeString(r.URL), pubTime(r).Format(time.RFC1123Z))
		if r.Content != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(r.Content))
		}
		b.WriteString("</item>")
	}
	b.WriteString("\n</channel></rss>\n")
	return []byte(b.String())
}

// atomDoc builds an Atom feed.
func atomDoc(rows []row) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<feed xmlns="http://www.w3.org/2005/Atom"><title>Test feed</title><id>urn:test</id><updated>2025-12-12T00:00:00Z</updated>`)
	for _, r := range rows {
		ts := pubTime(r).Format(time.RFC3339)
		fmt.Fprintf(&b, "\n<entry><title type=\"html\">%s</title><link href=\"%s\"/><id>%s</id><published>%s</published><updated>%s</updated>",
			html.EscapeString(r.Title), html.EscapeString(r.URL), html.EscapeString(r.URL), ts, ts)
		if r.Content != "" {
			fmt.Fprintf(&b, "<summary>%s</summary>", html.EscapeString(r.Content))
		}
		b.WriteString("</entry>")
	}
	b.WriteString("\n</feed>\n")
	return []byte(b.String())
}

func pubTime(r row) time.Time {
	d, _ := time.Parse(time.DateOnly, r.PublishedAt)
	return d.Add(10 * time.Hour)
}

// pageA builds a news list in layout A (li.news-item, <time datetime>);
// withDates false leaves the dates out, as on the original pages.
func pageA(rows []row, withDates bool) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><nav><a href=\"/\">Home</a></nav><ul class=\"news-list\">")
	for _, r := range rows {
		b.WriteString("\n<li class=\"news-item\">")
		if withDates {
			d := pubTime(r)
			fmt.Fprintf(&b, `<time class="news-date" datetime="%s">%s</time>`, d.Format(time.DateOnly), d.Format("January 2, 2006"))
		}
		fmt.Fprintf(&b, `<h3 class="news-title"><a href="%s">%s</a></h3><p class="news-summary">%s</p></li>`,
			html.EscapeString(relative(r.URL)), html.EscapeString(r.Title), html.EscapeString(r.Content))
	}
	b.WriteString("\n</ul></body></html>\n")
	return []byte(b.String())
}

// pageB builds a news page in layout B (article.press-release, text date).
func pageB(rows []row) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><main>")
	for _, r := range rows {
		fmt.Fprintf(&b, "\n<article class=\"press-release\"><h2><a href=\"%s\">%s</a></h2><span class=\"release-date\">%s</span><div class=\"excerpt\">%s</div></article>",
			html.EscapeString(r.URL), html.EscapeString(r.Title), pubTime(r).Format("2 January 2006"), html.EscapeString(r.Content))
	}
	b.WriteString("\n</main></body></html>\n")
	return []byte(b.String())
}

// relative keeps the path of an absolute URL, to exercise link resolution.
func relative(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "/"); j >= 0 {
			return u[i+3+j:]
		}
	}
	return u
}
