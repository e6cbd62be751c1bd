// Package sample holds the project's own sample press items (fictional
// companies; real molecule, technology and indication names) and writes
// items into a data bucket the way the ingester lays them out:
// ingested/<client_id>/<YYYY>/<MM>/<DD>/items.json, one JSON array a day.
//
// It serves the demo, the local stack and the end-to-end tests. The real
// items of ../shared/data are loaded with LoadJSONL for tests and
// benchmarks only; they are never copied into the project.
package sample

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vectora/ingest-normalize/normalize/item"
)

//go:embed items.jsonl
var itemsJSONL []byte

// Items returns the 60 sample items, published over five days. Sample
// items are raw items (item.Raw) with their fields as read: cleaning them
// is the Lambda's job.
func Items() []item.Raw {
	items, err := decodeLines(itemsJSONL)
	if err != nil {
		panic("sample: embedded items: " + err.Error())
	}
	return items
}

// LoadJSONL reads items from JSON Lines files, in file then line order.
func LoadJSONL(paths ...string) ([]item.Raw, error) {
	var all []item.Raw
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		items, err := decodeLines(data)
		if err != nil {
			return nil, fmt.Errorf("sample: %s: %w", p, err)
		}
		all = append(all, items...)
	}
	return all, nil
}

// RealData returns the *.jsonl files of the shared data folder (the
// directory "shared/data" next to the repository root, found by walking up
// from dir to the directory holding go.mod), or nil when there is none.
func RealData(dir string) []string {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return nil
		}
		root = parent
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(root), "shared", "data", "*.jsonl"))
	sort.Strings(files)
	return files
}

func decodeLines(data []byte) ([]item.Raw, error) {
	var items []item.Raw
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var it item.Raw
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// day returns the UTC day an item is filed under: the first ten characters
// of published_at, or "" when they are not a YYYY-MM-DD date.
func day(it item.Raw) string {
	if len(it.PublishedAt) < 10 {
		return ""
	}
	d := it.PublishedAt[:10]
	if len(strings.Split(d, "-")) != 3 {
		return ""
	}
	return d
}
