package model

import (
	"errors"
	"testing"
)

func TestBaseAndProfile(t *testing.T) {
	for _, tc := range []struct{ id, base, profile string }{
		{"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "eu"},
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "us"},
		{"global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0", "global"},
		{"anthropic.claude-3-sonnet-20240229-v1:0", "anthropic.claude-3-sonnet-20240229-v1:0", ""},
		{"arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "eu"},
	} {
		if got := Base(tc.id); got != tc.base {
			t.Errorf("Base(%q) = %q, want %q", tc.id, got, tc.base)
		}
		if got := Profile(tc.id); got != tc.profile {
			t.Errorf("Profile(%q) = %q, want %q", tc.id, got, tc.profile)
		}
	}
}

func TestBurndown(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want float64
		ok   bool
	}{
		{"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", 5, true},
		{"anthropic.claude-3-7-sonnet-20250219-v1:0", 5, true},
		{"us.anthropic.claude-opus-4-1-20250805-v1:0", 5, true},
		{"anthropic.claude-3-sonnet-20240229-v1:0", 1, true},
		{"anthropic.claude-3-5-sonnet-20241022-v2:0", 1, true},
		{"amazon.nova-pro-v1:0", 1, true},
		{"acme.unknown-model-v1", 0, false},
	} {
		got, ok := Burndown(tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Burndown(%q) = %v, %v; want %v, %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
}

func TestResolve(t *testing.T) {
	if f, err := Resolve("acme.x", 2, "BURNDOWN"); err != nil || f != 2 {
		t.Fatalf("override: got %v, %v", f, err)
	}
	_, err := Resolve("acme.x", 0, "BEDROCK_BURNDOWN")
	var ue *UnknownError
	if !errors.As(err, &ue) || ue.Field != "BEDROCK_BURNDOWN" {
		t.Fatalf("want *UnknownError naming the field, got %v", err)
	}
}
