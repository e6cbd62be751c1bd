package emulator

import "testing"

func TestCountTokens(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"normalization", 3}, // 6 + 4 + 3 characters
		{"2025", 2},          // 202 5
		{`{"a":1}`, 5},       // {" a ": 1 }
		{"line\n\nnext", 3},
		{"UZEDY® (risperidone)", 7}, // UZEDY ® ( rispe rido ne )
	}
	for _, tt := range tests {
		if got := countTokens(tt.text); got != tt.want {
			t.Errorf("countTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestTruncateTokens(t *testing.T) {
	got, cut := truncateTokens("one two three four", 2)
	if got != "one two" || !cut {
		t.Fatalf("truncate = %q, %v", got, cut)
	}
	if got, cut := truncateTokens("one two", 5); got != "one two" || cut {
		t.Fatalf("no truncation = %q, %v", got, cut)
	}
}

func TestPromptTokensOverhead(t *testing.T) {
	got := promptTokens([]string{"be brief"}, [][]string{{"hello"}, {"hi"}})
	want := requestOverhead + 3*messageOverhead + 2 + 1 + 1
	if got != want {
		t.Fatalf("promptTokens = %d, want %d", got, want)
	}
}
