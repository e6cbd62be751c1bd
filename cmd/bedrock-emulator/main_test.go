package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/syncbuf"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseEnvAndFlags(t *testing.T) {
	o, err := parse([]string{"-tpm", "5000", "-models", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-3-sonnet-20240229-v1:0=10:900"},
		env(map[string]string{
			"BEDROCK_EMULATOR_TPM":              "1", // the flag wins
			"BEDROCK_EMULATOR_RPM":              "7",
			"BEDROCK_EMULATOR_TIME_SCALE":       "60",
			"BEDROCK_EMULATOR_WINDOW":           "10s",
			"BEDROCK_EMULATOR_RESERVE_BURNDOWN": "false",
			"BEDROCK_EMULATOR_FAULT_503":        "0.1",
			"BEDROCK_EMULATOR_SEED":             "9",
		}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := o.settings
	want := map[string]emulator.Quota{
		"eu.anthropic.claude-sonnet-4-5-20250929-v1:0": {RPM: 7, TPM: 5000},
		"anthropic.claude-3-sonnet-20240229-v1:0":      {RPM: 10, TPM: 900},
	}
	for id, q := range want {
		if s.Models[id] != q {
			t.Errorf("%s: %+v, want %+v", id, s.Models[id], q)
		}
	}
	if len(s.Models) != 2 || s.TimeScale != 60 || s.Window != emulator.Duration(10*time.Second) ||
		s.ReserveBurndown || s.Faults.Unavailable != 0.1 || s.Seed != 9 {
		t.Fatalf("settings %+v", s)
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"-models", "x=1"}, nil},
		{nil, map[string]string{"BEDROCK_EMULATOR_RPM": "many"}},
		{[]string{"extra"}, nil},
	} {
		if _, err := parse(c.args, env(c.env), io.Discard); err == nil {
			t.Errorf("%v %v: no error", c.args, c.env)
		}
	}
}

func TestHelpListsEnv(t *testing.T) {
	var out bytes.Buffer
	_, err := parse([]string{"-help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, v := range []string{"BEDROCK_EMULATOR_ADDR", "BEDROCK_EMULATOR_TPM", "BEDROCK_EMULATOR_FAULT_503", "BEDROCK_EMULATOR_TIME_SCALE", "BEDROCK_EMULATOR_SEED"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("help does not list %s", v)
		}
	}
}

func TestRunStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tpm", "1234"}, env(nil), &out, io.Discard) }()
	for !strings.Contains(out.String(), "listening on") {
		time.Sleep(2 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "1234 TPM") {
		t.Errorf("start-up line %q", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
