package infra

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// geography is the prefix of a system inference profile id.
var geography = regexp.MustCompile(`^(us|eu|apac|global|jp|au|ca|us-gov)\.`)

func TestParams(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	defs := dig(t, tpl, "Parameters").(map[string]any)
	// Each environment's phase (the seed's dev, stage and prod).
	phases := map[string]map[string]string{
		"dev":   {"LeaseMaxHolders": "1", "WorkerCap": "4", "EnvCap": "0.2", "EnvPriority": "1", "ReservedConcurrency": ""},
		"stage": {"LeaseMaxHolders": "5", "WorkerCap": "4", "EnvCap": "0.3", "EnvPriority": "2", "ReservedConcurrency": ""},
		"prod":  {"LeaseMaxHolders": "0", "WorkerCap": "8", "EnvCap": "1", "EnvPriority": "3", "ReservedConcurrency": ""},
	}
	files, _ := filepath.Glob("params/*.json")
	if len(files) != len(phases) {
		t.Errorf("params files %v, want one per environment %v", files, slices.Sorted(maps.Keys(phases)))
	}
	for _, f := range files {
		env := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(env, func(t *testing.T) {
			vals := readParams(t, f)
			for k, v := range vals {
				def, ok := defs[k].(map[string]any)
				if !ok {
					t.Errorf("%s is not a parameter of s1-runtime.yaml", k)
					continue
				}
				if err := checkParam(def, v); err != nil {
					t.Errorf("%s=%q: %v", k, v, err)
				}
			}
			for k, def := range defs {
				_, set := vals[k]
				if _, hasDefault := def.(map[string]any)["Default"]; !hasDefault && !set && k != "CodeKey" {
					t.Errorf("%s has no default and is not set", k)
				}
			}
			if vals["Env"] != env {
				t.Errorf("Env=%q in %s", vals["Env"], f)
			}
			model, found := valueOr(vals, defs, "ModelId"), valueOr(vals, defs, "FoundationModelId")
			if want := geography.ReplaceAllString(model, ""); want == model && found != "" || want != model && found != want {
				t.Errorf("ModelId %q needs FoundationModelId %q, got %q", model, strings.TrimPrefix(want, model), found)
			}
			for k, want := range phases[env] {
				if got := valueOr(vals, defs, k); got != want {
					t.Errorf("%s=%q, the %s phase wants %q", k, got, env, want)
				}
			}
		})
	}
}

func TestTemplateDefaults(t *testing.T) {
	for _, f := range []string{"s0-coordination.yaml", "s1-runtime.yaml"} {
		for k, def := range dig(t, loadTemplate(t, f), "Parameters").(map[string]any) {
			d := def.(map[string]any)
			if v, ok := d["Default"].(string); ok {
				if err := checkParam(d, v); err != nil {
					t.Errorf("%s: default of %s %q: %v", f, k, v, err)
				}
			}
		}
	}
}

func readParams(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ps []struct{ ParameterKey, ParameterValue *string }
	if err := json.Unmarshal(data, &ps); err != nil {
		t.Fatalf("%s: %v (want [{\"ParameterKey\":…,\"ParameterValue\":…}])", path, err)
	}
	out := map[string]string{}
	for _, p := range ps {
		if p.ParameterKey == nil || p.ParameterValue == nil {
			t.Fatalf("%s: an entry lacks ParameterKey or ParameterValue", path)
		}
		if _, dup := out[*p.ParameterKey]; dup {
			t.Errorf("%s: %s set twice", path, *p.ParameterKey)
		}
		out[*p.ParameterKey] = *p.ParameterValue
	}
	return out
}

func valueOr(vals map[string]string, defs map[string]any, k string) string {
	if v, ok := vals[k]; ok {
		return v
	}
	s, _ := defs[k].(map[string]any)["Default"].(string)
	return s
}

// checkParam applies a parameter's constraints to a value as CloudFormation
// does (AllowedPattern must match the whole value).
func checkParam(def map[string]any, v string) error {
	if av, ok := strs(def["AllowedValues"]); ok && def["AllowedValues"] != nil && !slices.Contains(av, v) {
		return fmt.Errorf("not one of %v", av)
	}
	if p, ok := def["AllowedPattern"].(string); ok && !regexp.MustCompile(`^(?:`+p+`)$`).MatchString(v) {
		return fmt.Errorf("does not match %s", p)
	}
	for k, ok := range map[string]func(n float64) bool{
		"MinLength": func(n float64) bool { return float64(len(v)) >= n },
		"MaxLength": func(n float64) bool { return float64(len(v)) <= n },
	} {
		if s, set := def[k].(string); set && !ok(mustFloat(s)) {
			return fmt.Errorf("breaks %s %s", k, s)
		}
	}
	if def["Type"] != "Number" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return errors.New("not a number")
	}
	if s, ok := def["MinValue"].(string); ok && n < mustFloat(s) {
		return fmt.Errorf("below MinValue %s", s)
	}
	if s, ok := def["MaxValue"].(string); ok && n > mustFloat(s) {
		return fmt.Errorf("above MaxValue %s", s)
	}
	return nil
}

func mustFloat(s string) float64 {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return n
}

// TestParamsMaxTokens keeps max_tokens where the README advises: 512, as
// tight as the answers allow, since every call reserves it against TPM.
func TestParamsMaxTokens(t *testing.T) {
	defs := dig(t, loadTemplate(t, "s1-runtime.yaml"), "Parameters").(map[string]any)
	files, _ := filepath.Glob("params/*.json")
	for _, f := range files {
		if got := valueOr(readParams(t, f), defs, "MaxTokens"); got != "512" {
			t.Errorf("%s: MaxTokens %s, want 512", f, got)
		}
	}
}
