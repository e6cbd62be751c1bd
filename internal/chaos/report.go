package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
)

var reportMu sync.Mutex

// Report logs the invariant figures of a test and, when CHAOS_REPORT names
// a file (scripts/chaos.sh), appends them to it as one JSON line with the
// test's name. The suites of this package and of internal/e2e call it. It
// is safe for concurrent use.
func Report(t testing.TB, figures map[string]any) {
	t.Helper()
	figures["test"] = t.Name()
	b, _ := json.Marshal(figures)
	t.Logf("figures: %s", b)
	path := os.Getenv("CHAOS_REPORT")
	if path == "" {
		return
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("report: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\n", b)
}
