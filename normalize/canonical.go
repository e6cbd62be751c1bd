package normalize

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Bounds on canonical files.
const (
	MaxCanonicalFileBytes = 1 << 20
	MaxCanonicalEntries   = 5000
	MaxCanonicalRunes     = 200
	// EventOther is the event type used when none of the others fits.
	EventOther = "other"
)

//go:embed canonical/*.txt
var defaultFiles embed.FS

// Canonical holds the reference lists given to the model and used to
// validate its answer. Each list comes from one text file (one entry a
// line, blank lines and lines starting with '#' ignored). A Canonical is
// safe for concurrent use as long as nobody modifies its slices.
type Canonical struct {
	Companies    []string
	Molecules    []string
	Technologies []string
	Trademarks   []string
	Indications  []string
	EventTypes   []string
}

// CanonicalFiles returns the file names LoadCanonical understands, which
// are also the names of the overrides under the "canonical/" prefix of the
// config bucket.
func CanonicalFiles() []string {
	names := make([]string, len(canonicalFiles))
	for i, f := range canonicalFiles {
		names[i] = f.name
	}
	return names
}

// canonicalFiles maps each file to its list in a Canonical, in the order
// of the prompt.
var canonicalFiles = []struct {
	name string
	list func(*Canonical) *[]string
}{
	{"companies.txt", func(c *Canonical) *[]string { return &c.Companies }},
	{"molecules.txt", func(c *Canonical) *[]string { return &c.Molecules }},
	{"technologies.txt", func(c *Canonical) *[]string { return &c.Technologies }},
	{"trademarks.txt", func(c *Canonical) *[]string { return &c.Trademarks }},
	{"indications.txt", func(c *Canonical) *[]string { return &c.Indications }},
	{"event_types.txt", func(c *Canonical) *[]string { return &c.EventTypes }},
}

// list returns the list of c that file fills, nil for an unknown file.
func (c *Canonical) list(file string) *[]string {
	for _, f := range canonicalFiles {
		if f.name == file {
			return f.list(c)
		}
	}
	return nil
}

var defaultCanonical = sync.OnceValue(func() Canonical {
	files := map[string][]byte{}
	for _, name := range CanonicalFiles() {
		data, err := defaultFiles.ReadFile("canonical/" + name)
		if err != nil {
			panic(err) // the files are embedded at build time
		}
		files[name] = data
	}
	c, err := parseCanonical(Canonical{}, files)
	if err != nil {
		panic(err) // tests guarantee the embedded lists are valid
	}
	return c
})

// DefaultCanonical returns the lists embedded in the binary; the caller
// owns the returned slices.
func DefaultCanonical() Canonical {
	c := defaultCanonical()
	for _, name := range CanonicalFiles() {
		l := c.list(name)
		*l = slices.Clone(*l)
	}
	return c
}

// LoadCanonical returns the default lists with each file of files replacing
// the list of the same name. Keys are file names from CanonicalFiles,
// optionally prefixed by "canonical/". An unknown name or an invalid file is
// reported as a *CanonicalError naming the file.
func LoadCanonical(files map[string][]byte) (Canonical, error) {
	return parseCanonical(DefaultCanonical(), files)
}

func parseCanonical(c Canonical, files map[string][]byte) (Canonical, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names) // report errors deterministically
	for _, name := range names {
		base := strings.TrimPrefix(name, item.CanonicalPrefix)
		l := c.list(base)
		if l == nil || path.Base(base) != base {
			return Canonical{}, &CanonicalError{File: name, Reason: fmt.Sprintf("unknown file; want one of %s", strings.Join(CanonicalFiles(), ", "))}
		}
		entries, err := parseList(name, files[name], base == "event_types.txt")
		if err != nil {
			return Canonical{}, err
		}
		*l = entries
	}
	return c, nil
}

func parseList(file string, data []byte, eventTypes bool) ([]string, error) {
	if len(data) > MaxCanonicalFileBytes {
		return nil, &CanonicalError{File: file, Reason: fmt.Sprintf("is %d bytes, more than %d", len(data), MaxCanonicalFileBytes)}
	}
	var entries []string
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	sc.Buffer(nil, MaxCanonicalFileBytes+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if reason := checkEntry(line, eventTypes); reason != "" {
			return nil, &CanonicalError{File: file, Line: n, Reason: reason}
		}
		if first, dup := seen[strings.ToLower(line)]; dup {
			return nil, &CanonicalError{File: file, Line: n, Reason: fmt.Sprintf("%q repeats line %d", line, first)}
		}
		seen[strings.ToLower(line)] = n
		entries = append(entries, line)
	}
	return entries, checkList(file, entries, eventTypes)
}

func checkList(file string, entries []string, eventTypes bool) error {
	switch {
	case len(entries) == 0:
		return &CanonicalError{File: file, Reason: "has no entries"}
	case len(entries) > MaxCanonicalEntries:
		return &CanonicalError{File: file, Reason: fmt.Sprintf("has %d entries, more than %d", len(entries), MaxCanonicalEntries)}
	case eventTypes && !slices.Contains(entries, EventOther):
		return &CanonicalError{File: file, Reason: fmt.Sprintf("lacks the event type %q", EventOther)}
	}
	return nil
}

func checkEntry(line string, eventType bool) string {
	switch {
	case !utf8.ValidString(line):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(line) > MaxCanonicalRunes:
		return fmt.Sprintf("is longer than %d characters", MaxCanonicalRunes)
	case strings.ContainsFunc(line, unicode.IsControl):
		return "contains a control character"
	case eventType && !isSnake(line):
		return fmt.Sprintf("%q is not snake_case (a-z, 0-9, _)", line)
	}
	return ""
}

func isSnake(s string) bool {
	return s[0] >= 'a' && s[0] <= 'z' && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// CanonicalKey returns "canonical/<name>", the key of the override of one of
// CanonicalFiles in the config bucket.
func CanonicalKey(name string) (string, error) {
	if (&Canonical{}).list(name) == nil {
		return "", fmt.Errorf("%w: canonical file %q is not one of %v", item.ErrInvalidKey, name, CanonicalFiles())
	}
	return item.CanonicalPrefix + name, nil
}

// HasEventType reports whether t is one of c.EventTypes.
func (c Canonical) HasEventType(t string) bool {
	return slices.Contains(c.EventTypes, t)
}
