package main

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoadConfig reads an environment given as NAME=value lines: the
// configuration loads without panicking, and either every value is within
// its documented range or the error is a *ConfigError naming a variable
// of Variables with a fix.
func FuzzLoadConfig(f *testing.F) {
	for _, seed := range []string{
		"COORDINATION_TABLE=coord\nDATA_BUCKET=data\nAWS_REGION=eu-west-3",
		"COORDINATION_TABLE=c\nDATA_BUCKET=d\nBEDROCK_REGION=us-east-1\nLEASE_TTL=1ns\nQUOTA_RPM=NaN",
		"COORDINATION_TABLE=c\nDATA_BUCKET=d\nAWS_REGION=x\nQUOTA_TPM=-1e309\nENV_CAP=0\nWORKER_CAP=257",
		"COORDINATION_TABLE=c\nDATA_BUCKET=d\nAWS_REGION=x\nTIME_EPOCH=99999999999999999999\nTIME_SCALE=Inf",
		"COORDINATION_TABLE=../../etc\nDATA_BUCKET=d\nAWS_REGION=x\nLOG_LEVEL=DEBUG+3\nBEDROCK_API=CONVERSE",
		"COORDINATION_TABLE=c\nDATA_BUCKET=d\nAWS_REGION=x\nDEADLINE_MARGIN=-5s\nBEDROCK_BURNDOWN=0x10",
		"", "=\n==\n\x00=\xff",
	} {
		f.Add(seed)
	}
	known := map[string]bool{"AWS_REGION": true}
	for _, v := range Variables() {
		known[v.Name] = true
	}
	f.Fuzz(func(t *testing.T, envText string) {
		vars := map[string]string{}
		for _, line := range strings.Split(envText, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				vars[k] = v
			}
		}
		c, err := LoadConfig(func(k string) string { return vars[k] })
		var ce *ConfigError
		switch {
		case err != nil && (!errors.As(err, &ce) || !known[ce.Variable] || ce.Fix == ""):
			t.Fatalf("error %v (%T) does not name a known variable with a fix", err, err)
		case err != nil:
			return
		}
		if c.Table == "" || c.DataBucket == "" || c.BedrockRegion == "" || c.MaxTokens < 1 || c.MaxTokens > 64_000 ||
			!(c.RPM >= 0) || !(c.TPD >= 0) || !(c.AccountTPD >= 0) || !(c.TPM >= 1) || c.BurstMS < 1 || !(c.EnvCap > 0 && c.EnvCap <= 1) ||
			c.MaxHolders < 0 || c.LeaseTTL < 1e9 || c.WorkerCap < 1 || c.ClaimBatch < 1 || c.DeadlineMargin < 0 ||
			!(c.TimeScale >= 0.001 && c.TimeScale <= 1e6) || !(c.Burndown >= 0 && c.Burndown <= 100) {
			t.Fatalf("accepted out-of-range configuration %+v from %q", c, envText)
		}
	})
}

// TestConfigRejectsNonFiniteNumbers is the input FuzzLoadConfig found:
// strconv.ParseFloat accepts "NaN" and "Inf", and the range check
// (f < lo || f > hi) is false for NaN, so QUOTA_RPM=NaN loads.
func TestConfigRejectsNonFiniteNumbers(t *testing.T) {
	for _, name := range []string{"QUOTA_RPM", "QUOTA_TPM", "ENV_CAP", "TIME_SCALE", "BEDROCK_BURNDOWN"} {
		m := base()
		m[name] = "NaN"
		var ce *ConfigError
		if _, err := LoadConfig(env(m)); !errors.As(err, &ce) || ce.Variable != name {
			t.Errorf("%s=NaN: got %v, want a *ConfigError naming %s", name, err, name)
		}
	}
}
