package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func base() map[string]string {
	return map[string]string{"COORDINATION_TABLE": "coord", "DATA_BUCKET": "data", "AWS_REGION": "eu-west-3"}
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env(base()))
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigBucket != "data" || c.Env != "dev" || c.BedrockRegion != "eu-west-3" || c.MaxTokens != 512 ||
		c.MaxHolders != 1 || c.LeaseTTL != 60*time.Second || c.WorkerCap != 8 || c.ClaimBatch != 8 ||
		c.DeadlineMargin != 20*time.Second || c.TimeScale != 1 || c.Converse || c.RPM != 0 || c.TPM != 100000 || c.TPD != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if len(Variables()) != 28 {
		t.Errorf("%d variables", len(Variables()))
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for name, set := range map[string]map[string]string{
		"COORDINATION_TABLE":  {"COORDINATION_TABLE": ""},
		"DATA_BUCKET":         {"DATA_BUCKET": ""},
		"BEDROCK_REGION":      {"AWS_REGION": ""},
		"BEDROCK_MAX_TOKENS":  {"BEDROCK_MAX_TOKENS": "lots"},
		"BEDROCK_API":         {"BEDROCK_API": "grpc"},
		"BEDROCK_PRICE":       {"BEDROCK_PRICE": "3,15"},
		"QUOTA_RPM":           {"QUOTA_RPM": "-1"},
		"ENV_CAP":             {"ENV_CAP": "2"},
		"LEASE_MAX_HOLDERS":   {"LEASE_MAX_HOLDERS": "-1"},
		"LEASE_TTL":           {"LEASE_TTL": "30"},
		"WORKER_CAP":          {"WORKER_CAP": "0"},
		"CLAIM_BATCH":         {"CLAIM_BATCH": "1000"},
		"DEADLINE_MARGIN":     {"DEADLINE_MARGIN": "soon"},
		"LOG_LEVEL":           {"LOG_LEVEL": "loud"},
		"S3_FORCE_PATH_STYLE": {"S3_FORCE_PATH_STYLE": "maybe"},
		"TIME_SCALE":          {"TIME_SCALE": "0"},
	} {
		m := base()
		for k, v := range set {
			m[k] = v
		}
		_, err := LoadConfig(env(m))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Variable != name || !strings.Contains(err.Error(), "fix:") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
