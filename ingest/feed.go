package ingest

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mmcdole/gofeed"
)

// entry is one news entry as found in a feed or a page, before cleaning.
type entry struct {
	title     string
	link      string
	content   string
	published time.Time // zero when the source gives no date
}

// parseFeed reads an RSS, Atom or JSON feed with gofeed. The content is the
// item's description (summary), else its full content.
func parseFeed(body []byte) ([]entry, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: feed: %w", ErrParse, err)
	}
	out := make([]entry, 0, len(f.Items))
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		e := entry{title: it.Title, link: it.Link, content: it.Description}
		if e.content == "" {
			e.content = it.Content
		}
		if e.link == "" && len(it.Links) > 0 {
			e.link = it.Links[0]
		}
		switch {
		case it.PublishedParsed != nil:
			e.published = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			e.published = *it.UpdatedParsed
		}
		out = append(out, e)
	}
	return out, nil
}
