package ingest

import (
	"errors"
	"fmt"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Client is the ingestion configuration of one client, read from
// clients/<client_id>.yaml in the config bucket: the bouquets it follows
// and extra sources. It is a plain value, safe for concurrent reads.
type Client struct {
	ID       string   `yaml:"client_id"`
	Name     string   `yaml:"name,omitempty"`
	Bouquets []string `yaml:"source_bouquets"`
	Extra    []string `yaml:"extra_sources,omitempty"`
}

// ClientKey returns "clients/<client_id>.yaml".
func ClientKey(clientID string) (string, error) {
	if err := item.CheckClientID(clientID); err != nil {
		return "", fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return "clients/" + clientID + ".yaml", nil
}

// ParseClient decodes a client file; unknown fields and an invalid
// client_id are errors wrapping ErrConfig.
func ParseClient(data []byte) (Client, error) {
	var c Client
	if err := decodeYAML(data, &c); err != nil {
		return Client{}, fmt.Errorf("%w: client: %w", ErrConfig, err)
	}
	if err := item.CheckClientID(c.ID); err != nil {
		return Client{}, fmt.Errorf("%w: client: %w", ErrConfig, err)
	}
	return c, nil
}

// Resolve returns the sources to ingest, each once in first-listed order:
// override when it is not empty (an event's sources), else the client's
// bouquets then its extra sources. Disabled sources are left out of a
// client's list and reported as skipped when an event names them; unknown
// or unfetchable ones are failed. Unknown bouquets are an error wrapping
// ErrConfig.
func (c *Catalog) Resolve(cl Client, override []string) ([]Source, []SourceResult, error) {
	keys, err := c.keys(cl, override)
	if err != nil {
		return nil, nil, err
	}
	var srcs []Source
	var out []SourceResult
	for _, k := range keys {
		s, ok := c.Source(k)
		switch {
		case !ok:
			out = append(out, SourceResult{SourceKey: k, State: StateFailed, Reason: "not in the catalog"})
		case !s.Enabled && len(override) > 0:
			out = append(out, SourceResult{SourceKey: k, State: StateSkipped, Reason: "disabled in the catalog"})
		case !s.Enabled:
		case s.Check() != nil:
			out = append(out, SourceResult{SourceKey: k, State: StateFailed, Reason: s.Check().Error()})
		default:
			srcs = append(srcs, s)
		}
	}
	return srcs, out, nil
}

func (c *Catalog) keys(cl Client, override []string) ([]string, error) {
	if len(override) > 0 {
		return unique(override), nil
	}
	var keys []string
	var errs []error
	for _, id := range cl.Bouquets {
		ks, ok := c.bouquet(id)
		if !ok {
			errs = append(errs, fmt.Errorf("%w: client %s: unknown bouquet %q", ErrConfig, cl.ID, id))
		}
		keys = append(keys, ks...)
	}
	return unique(append(keys, cl.Extra...)), errors.Join(errs...)
}

func unique(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
