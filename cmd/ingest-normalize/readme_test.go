package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeDocumentsEveryVariable keeps the README's configuration table
// and Variables in step, defaults included.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]+) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = m[2]
	}
	for _, v := range Variables() {
		d, ok := documented[v.Name]
		if !ok {
			t.Errorf("README does not document %s", v.Name)
			continue
		}
		if v.Default != "" && !regexp.MustCompile("`"+regexp.QuoteMeta(v.Default)+"`").MatchString(d) {
			t.Errorf("README gives %s the default %q, the code %q", v.Name, d, v.Default)
		}
		delete(documented, v.Name)
	}
	for name := range documented {
		t.Errorf("README documents %s, which the Lambda does not read", name)
	}
}

// TestReadmeDocumentsEveryErrorType keeps the README's errorType table and
// the ErrorType names in step.
func TestReadmeDocumentsEveryErrorType(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "| errorType | what failed |")
	table, _, _ = strings.Cut(table, "\n\n")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\|").FindAllStringSubmatch(table, -1) {
		documented = append(documented, m[1])
	}
	want := []string{ErrorInvalidEvent, ErrorInvalidConfiguration, ErrorLeaseUnavailable, ErrorLeaseLost,
		ErrorQuotaExhausted, ErrorTimeout, ErrorInternal}
	if !slices.Equal(documented, want) {
		t.Errorf("README documents errorTypes %v, the code has %v", documented, want)
	}
}
