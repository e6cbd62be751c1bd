package main

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
	"github.com/vectora/ingest-normalize/internal/app"
)

// Variable is one environment variable the Lambda reads: its name, its
// default ("" when required or when it defaults to another variable) and
// what it sets.
type Variable struct {
	Name    string
	Default string
	Doc     string
}

// Variables lists every environment variable the Lambda reads, in the order
// of the README's table; tests compare it with the README and the
// CloudFormation template.
//
//	COORDINATION_TABLE   required  DynamoDB table of leases, budget and claims
//	DATA_BUCKET          required  bucket of ingested/ and normalized/
//	CONFIG_BUCKET        DATA_BUCKET  bucket of canonical/ overrides
//	ENV_NAME             dev       environment: lease scope ingest-normalize/<ENV_NAME>
//	BEDROCK_MODEL_ID     eu.anthropic.claude-sonnet-4-5-20250929-v1:0
//	BEDROCK_REGION       AWS_REGION  region of the Bedrock runtime and of the quota key
//	BEDROCK_MAX_TOKENS   512       max_tokens of each call (reserved against TPM)
//	BEDROCK_BURNDOWN     0         output-token burndown factor; 0 = from the model id
//	BEDROCK_API          invoke    invoke (InvokeModel) or converse
//	QUOTA_TPM            100000    tokens per minute of the account's quota, seeds the budget row
//	QUOTA_TPD            0         tokens per day of the model; 0 = QUOTA_TPM × 1440
//	QUOTA_ACCOUNT_TPD    0         account-wide tokens per day where the region has one; 0 = none
//	QUOTA_RPM            0         requests per minute; 0 = not enforced (Bedrock has none since May 2026)
//	QUOTA_BURST_MS       10000     burst tolerance of the budget, in ms of quota
//	ENV_CAP              1         this environment's share of the quota (0 < cap <= 1)
//	ENV_PRIORITY         0         this environment's priority when the quota is tight
//	ENV_PAUSED           (empty)   a reason pauses the environment: invocations end at once, claiming nothing
//	LEASE_MAX_HOLDERS    1         concurrent holders per environment; 0 = unlimited
//	LEASE_TTL            60s       lease lifetime without renewal
//	WORKER_CAP           8         most concurrent Bedrock calls per invocation
//	CLAIM_BATCH          8         items per claimed batch
//	DEADLINE_MARGIN      20s       stop claiming when less time than this is left
//	LOG_LEVEL            info      debug, info, warn or error
//	S3_FORCE_PATH_STYLE  false     path-style S3 addressing (local S3 servers)
//	TIME_SCALE           1         local benchmarks only: every clock runs this much faster
//	TIME_EPOCH           (start)   local benchmarks only: unix ms the scaled clocks count from
func Variables() []Variable {
	return []Variable{
		{"COORDINATION_TABLE", "", "DynamoDB table of leases, budget and claims (required)"},
		{"DATA_BUCKET", "", "S3 bucket of ingested/ and normalized/ (required)"},
		{"CONFIG_BUCKET", "", "S3 bucket of canonical/ overrides (default DATA_BUCKET)"},
		{"ENV_NAME", "dev", "environment name; lease scope ingest-normalize/<ENV_NAME>"},
		{"BEDROCK_MODEL_ID", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "model or inference-profile id"},
		{"BEDROCK_REGION", "", "region of the Bedrock runtime and of the quota key (default AWS_REGION)"},
		{"BEDROCK_MAX_TOKENS", "512", "max_tokens of each call"},
		{"BEDROCK_BURNDOWN", "0", "output-token burndown factor; 0 = known value of the model"},
		{"BEDROCK_API", "invoke", "invoke (InvokeModel) or converse"},
		{"BEDROCK_PROMPT_CACHE", "true", "cache checkpoint after the static system prompt (models that cache)"},
		{"BEDROCK_PRICE", "list", "USD per million tokens: input,output,cache_write,cache_read; list = the model's list price"},
		{"QUOTA_TPM", "100000", "tokens per minute of the account's quota (seeds the budget row)"},
		{"QUOTA_TPD", "0", "tokens per day of the model; 0 = QUOTA_TPM × 1440"},
		{"QUOTA_ACCOUNT_TPD", "0", "account-wide tokens per day where the region has one; 0 = none"},
		{"QUOTA_RPM", "0", "requests per minute; 0 = not enforced (Bedrock has none since May 2026)"},
		{"QUOTA_BURST_MS", "10000", "burst tolerance of the budget, in milliseconds of quota"},
		{"ENV_CAP", "1", "this environment's share of the quota, 0 < cap <= 1"},
		{"ENV_PRIORITY", "0", "this environment's priority when the quota is tight"},
		{"ENV_PAUSED", "", "a reason pauses the environment: invocations end at once, claiming nothing"},
		{"LEASE_MAX_HOLDERS", "1", "concurrent lease holders per environment; 0 = unlimited"},
		{"LEASE_TTL", "60s", "lease lifetime without renewal"},
		{"WORKER_CAP", "8", "most concurrent Bedrock calls per invocation"},
		{"CLAIM_BATCH", "8", "items per claimed batch"},
		{"DEADLINE_MARGIN", "20s", "stop claiming when less time than this is left"},
		{"LOG_LEVEL", "info", "debug, info, warn or error"},
		{"S3_FORCE_PATH_STYLE", "false", "path-style S3 addressing, for local S3 servers"},
		{"TIME_SCALE", "1", "local benchmarks only: every clock runs this many times faster"},
		{"TIME_EPOCH", "", "local benchmarks only: unix milliseconds the scaled clocks count from (default: start)"},
	}
}

// ConfigError names the variable that is wrong and how to fix it.
type ConfigError struct {
	Variable, Reason, Fix string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("ingest-normalize: %s %s (fix: %s)", e.Variable, e.Reason, e.Fix)
}

// LoadConfig reads the configuration through getenv (os.Getenv in main),
// applying the defaults of Variables, and returns the first *ConfigError.
func LoadConfig(getenv func(string) string) (app.Config, error) {
	r := reader{getenv: getenv, defaults: map[string]string{}}
	for _, v := range Variables() {
		r.defaults[v.Name] = v.Default
	}
	c := app.Config{
		Table: r.required("COORDINATION_TABLE"), DataBucket: r.required("DATA_BUCKET"),
		Env: r.str("ENV_NAME"), ModelID: r.str("BEDROCK_MODEL_ID"),
		MaxTokens: r.integer("BEDROCK_MAX_TOKENS", 1, 64_000), Burndown: r.float("BEDROCK_BURNDOWN", 0, 100),
		Converse:      r.choice("BEDROCK_API", "invoke", "converse") == "converse",
		NoPromptCache: !r.boolean("BEDROCK_PROMPT_CACHE"), Price: r.price("BEDROCK_PRICE"),
		RPM: r.float("QUOTA_RPM", 0, 1e7), TPM: r.float("QUOTA_TPM", 1, 1e10),
		TPD: r.float("QUOTA_TPD", 0, 1e14), AccountTPD: r.float("QUOTA_ACCOUNT_TPD", 0, 1e14),
		BurstMS: int64(r.integer("QUOTA_BURST_MS", 1, 3_600_000)), EnvCap: r.float("ENV_CAP", 0.0001, 1),
		EnvPriority: r.integer("ENV_PRIORITY", -1000, 1000), MaxHolders: r.integer("LEASE_MAX_HOLDERS", 0, 10_000),
		LeaseTTL: r.duration("LEASE_TTL", time.Second), WorkerCap: r.integer("WORKER_CAP", 1, 256),
		ClaimBatch: r.integer("CLAIM_BATCH", 1, 100), DeadlineMargin: r.duration("DEADLINE_MARGIN", 0),
		LogLevel: r.level("LOG_LEVEL"), PathStyle: r.boolean("S3_FORCE_PATH_STYLE"),
		TimeScale: r.float("TIME_SCALE", 0.001, 1e6), TimeEpoch: time.Now(),
	}
	c.ConfigBucket = r.or("CONFIG_BUCKET", c.DataBucket)
	c.Paused = r.str("ENV_PAUSED")
	c.BedrockRegion = r.or("BEDROCK_REGION", getenv("AWS_REGION"))
	if c.BedrockRegion == "" && r.err == nil {
		r.fail("BEDROCK_REGION", "is not set and neither is AWS_REGION", "set BEDROCK_REGION, e.g. eu-west-3")
	}
	if ms := getenv("TIME_EPOCH"); ms != "" {
		c.TimeEpoch = time.UnixMilli(int64(r.integer("TIME_EPOCH", 0, 1<<62)))
	}
	return c, r.err
}

// reader reads variables and keeps the first error.
type reader struct {
	getenv   func(string) string
	defaults map[string]string
	err      error
}

func (r *reader) fail(name, reason, fix string) {
	if r.err == nil {
		r.err = &ConfigError{name, reason, fix}
	}
}

func (r *reader) str(name string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return r.defaults[name]
}

func (r *reader) or(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) required(name string) string {
	v := r.str(name)
	if v == "" {
		r.fail(name, "is required but not set", "set "+name+" in the function's environment")
	}
	return v
}

func (r *reader) integer(name string, lo, hi int) int {
	v := r.str(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, fmt.Sprintf("is %q", v), fmt.Sprintf("use an integer from %d to %d (default %s)", lo, hi, r.defaults[name]))
	}
	return n
}

func (r *reader) float(name string, lo, hi float64) float64 {
	v := r.str(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < lo || f > hi {
		if !(err == nil && f == 0 && name == "BEDROCK_BURNDOWN") {
			r.fail(name, fmt.Sprintf("is %q", v), fmt.Sprintf("use a number from %g to %g (default %s)", lo, hi, r.defaults[name]))
		}
	}
	return f
}

func (r *reader) duration(name string, lo time.Duration) time.Duration {
	v := r.str(name)
	d, err := time.ParseDuration(v)
	if err != nil || d < lo {
		r.fail(name, fmt.Sprintf("is %q", v), fmt.Sprintf("use a Go duration of at least %v such as 30s (default %s)", lo, r.defaults[name]))
	}
	return d
}

func (r *reader) boolean(name string) bool {
	v := r.str(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, fmt.Sprintf("is %q", v), "use true or false")
	}
	return b
}

// price reads "input,output,cache_write,cache_read" in USD per million
// tokens, or "list" (nil: the model's list price).
func (r *reader) price(name string) *model.Price {
	v := r.str(name)
	if strings.EqualFold(v, "list") {
		return nil
	}
	var f [4]float64
	parts := strings.Split(v, ",")
	ok := len(parts) == 4
	for i := 0; ok && i < 4; i++ {
		var err error
		f[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		ok = err == nil && f[i] >= 0 && !math.IsInf(f[i], 0)
	}
	if !ok {
		r.fail(name, fmt.Sprintf("is %q", v), "use list or four non-negative numbers, e.g. 3,15,3.75,0.3")
		return nil
	}
	return &model.Price{Input: f[0], Output: f[1], CacheWrite: f[2], CacheRead: f[3]}
}

func (r *reader) choice(name string, opts ...string) string {
	v := strings.ToLower(r.str(name))
	for _, o := range opts {
		if v == o {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("is %q", v), "use one of "+strings.Join(opts, ", "))
	return opts[0]
}

func (r *reader) level(name string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(r.str(name))); err != nil {
		r.fail(name, fmt.Sprintf("is %q", r.str(name)), "use debug, info, warn or error")
	}
	return l
}
