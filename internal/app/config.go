package app

import (
	"log/slog"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
	"github.com/vectora/ingest-normalize/internal/clock"
)

// Config is the validated configuration of one process: the Lambda reads it
// from its environment (cmd/ingest-normalize), the benchmark and the tests
// set it in code. It is a plain value.
type Config struct {
	Table, DataBucket, ConfigBucket, Env string
	ModelID, BedrockRegion               string
	MaxTokens                            int
	Burndown                             float64 // 0: the model's known factor
	Converse                             bool
	NoPromptCache                        bool         // no cache checkpoint after the system prompt
	Price                                *model.Price // nil: the model's list price (model.DefaultPrice)
	RPM, TPM                             float64      // seed of the budget row; RPM 0: none
	TPD, AccountTPD                      float64      // daily quotas seeded; 0: TPM × 1440, none
	BurstMS                              int64
	EnvCap                               float64
	EnvPriority                          int
	Paused                               string // the reason the environment is paused by configuration; "": running
	MaxHolders                           int    // 0: unlimited
	LeaseTTL                             time.Duration
	WorkerCap, ClaimBatch                int
	DeadlineMargin                       time.Duration
	LogLevel                             slog.Level
	PathStyle                            bool
	TimeScale                            float64 // 1: the wall clock
	TimeEpoch                            time.Time
}

// Quota names the Bedrock quota the process draws on: its region and its
// model or inference profile, the key of the shared budget row.
func (c Config) Quota() string { return c.BedrockRegion + "/" + c.ModelID }

// Clock is the clock every part of the process reads: the wall clock, or a
// scaled one from TimeEpoch (local benchmarks).
func (c Config) Clock() clock.Clock {
	if c.TimeScale == 0 || c.TimeScale == 1 {
		return clock.System
	}
	return clock.Scaled{Epoch: c.TimeEpoch, Scale: c.TimeScale}
}

// price returns the configured price, else the model's list price; false
// when neither is known.
func (c Config) price() (model.Price, bool) {
	if c.Price != nil {
		return *c.Price, true
	}
	return model.DefaultPrice(c.ModelID)
}
