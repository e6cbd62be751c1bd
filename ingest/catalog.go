package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/vectora/ingest-normalize/normalize/item"
	"gopkg.in/yaml.v3"
)

// CatalogKey is the key of the source catalog in the config bucket.
const CatalogKey = "canonical/sources/source_catalog.yaml"

// MaxConfigBytes bounds a catalog or client file.
const MaxConfigBytes = 4 << 20

// Ingestion modes of a source.
const (
	ModeRSS  = "rss"  // an RSS, Atom or JSON feed at rss_url
	ModeHTML = "html" // a news page at html_url read with selectors
)

// Catalog is the list of every known source and the bouquets that group
// them. It is read-only after ParseCatalog and safe for concurrent use.
type Catalog struct {
	Sources  []Source  `yaml:"sources"`
	Bouquets []Bouquet `yaml:"bouquets"`

	byKey map[string]int
}

// Source is one entry of the catalog. The fields after Selectors are
// accepted for compatibility with the original catalog and not used.
type Source struct {
	Key        string     `yaml:"source_key"`
	Type       string     `yaml:"source_type"`
	Mode       string     `yaml:"ingestion_mode"`
	RSSURL     string     `yaml:"rss_url"`
	HTMLURL    string     `yaml:"html_url"`
	Enabled    bool       `yaml:"enabled"`
	Language   string     `yaml:"default_language"`
	MaxContent int        `yaml:"max_content_length"` // runes kept of the content; 0: no cut
	Selectors  *Selectors `yaml:"selectors,omitempty"`

	CompanyID    string   `yaml:"company_id,omitempty"`
	HomepageURL  string   `yaml:"homepage_url,omitempty"`
	Tags         []string `yaml:"tags,omitempty"`
	Profile      string   `yaml:"ingestion_profile,omitempty"`
	Enrichment   string   `yaml:"content_enrichment,omitempty"`
	DatePatterns []string `yaml:"date_extraction_patterns,omitempty"`
	Notes        string   `yaml:"notes,omitempty"`
}

// Selectors tell how to read a news page: Item selects each news entry;
// Title, Link, Date and Content are looked up inside it. Title defaults to
// the entry's text, Link to its first a[href] (or the entry itself when it
// is a link), Date and Content to nothing. A date is read from a datetime
// attribute when there is one, else from the text, with DateLayout (a Go
// time layout) or the common layouts.
type Selectors struct {
	Item       string `yaml:"item"`
	Title      string `yaml:"title,omitempty"`
	Link       string `yaml:"link,omitempty"`
	Date       string `yaml:"date,omitempty"`
	DateLayout string `yaml:"date_layout,omitempty"`
	Content    string `yaml:"content,omitempty"`
}

// Bouquet is a named group of sources.
type Bouquet struct {
	ID          string   `yaml:"bouquet_id"`
	Description string   `yaml:"description,omitempty"`
	SourceKeys  []string `yaml:"source_keys"`
}

// ParseCatalog decodes and checks a catalog: unknown fields, invalid or
// duplicate source keys and bouquets naming unknown sources are errors
// (wrapping ErrConfig). Whether a source can be fetched (its URL, its
// selectors) is checked when it is selected: see Source.Check.
func ParseCatalog(data []byte) (*Catalog, error) {
	var c Catalog
	if err := decodeYAML(data, &c); err != nil {
		return nil, fmt.Errorf("%w: catalog: %w", ErrConfig, err)
	}
	c.byKey = make(map[string]int, len(c.Sources))
	var errs []error
	for i, s := range c.Sources {
		if err := item.CheckSourceKey(s.Key); err != nil {
			errs = append(errs, fmt.Errorf("sources[%d]: %w", i, err))
			continue
		}
		if _, dup := c.byKey[s.Key]; dup {
			errs = append(errs, fmt.Errorf("sources[%d]: source_key %q is listed twice", i, s.Key))
		}
		c.byKey[s.Key] = i
	}
	for _, b := range c.Bouquets {
		for _, k := range b.SourceKeys {
			if _, ok := c.byKey[k]; !ok {
				errs = append(errs, fmt.Errorf("bouquet %q: unknown source %q", b.ID, k))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: catalog: %w", ErrConfig, err)
	}
	return &c, nil
}

// Source returns the catalog entry of key.
func (c *Catalog) Source(key string) (Source, bool) {
	i, ok := c.byKey[key]
	if !ok {
		return Source{}, false
	}
	return c.Sources[i], true
}

// bouquet returns the source keys of bouquet id.
func (c *Catalog) bouquet(id string) ([]string, bool) {
	for _, b := range c.Bouquets {
		if b.ID == id {
			return b.SourceKeys, true
		}
	}
	return nil, false
}

// URL returns the address the source is fetched from.
func (s Source) URL() string {
	if s.Mode == ModeHTML {
		return s.HTMLURL
	}
	return s.RSSURL
}

// Check reports whether the source can be fetched: a known mode, an
// absolute http(s) URL and, for pages, an item selector.
func (s Source) Check() error {
	switch s.Mode {
	case ModeRSS, ModeHTML:
	default:
		return fmt.Errorf("%w: source %s: ingestion_mode %q is not %q or %q", ErrConfig, s.Key, s.Mode, ModeRSS, ModeHTML)
	}
	u, err := url.Parse(s.URL())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: source %s: %q is not an absolute http(s) URL", ErrConfig, s.Key, s.URL())
	}
	if s.Mode == ModeHTML && (s.Selectors == nil || s.Selectors.Item == "") {
		return fmt.Errorf("%w: source %s: an html source needs selectors.item", ErrConfig, s.Key)
	}
	return nil
}

// decodeYAML decodes one YAML document into v, rejecting unknown fields.
func decodeYAML(data []byte, v any) error {
	if len(data) > MaxConfigBytes {
		return fmt.Errorf("%d bytes, more than %d", len(data), MaxConfigBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
