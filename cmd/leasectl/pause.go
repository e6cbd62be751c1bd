package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease/budget"
)

func pauseFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	return pauseCommand(fs, true)
}

func resumeFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	return pauseCommand(fs, false)
}

// pauseCommand pauses or resumes an environment in one budget row (--quota)
// or in every row of the table: a paused environment admits no Bedrock
// call, and its invocations end at once with their items remaining.
func pauseCommand(fs *flag.FlagSet, pause bool) func(context.Context, *app) error {
	env := fs.String("env", "", "environment to pause or resume (required)")
	quota := fs.String("quota", "", "only this quota: <region>/<model or inference profile> (default: every budget row)")
	reason := new(string)
	if pause {
		reason = fs.String("reason", "paused by an operator", "why, for the invocations' responses")
	}
	return func(ctx context.Context, a *app) error {
		if *env == "" {
			return usagef("--env: required")
		}
		quotas, err := a.quotas(ctx, *quota)
		if err != nil {
			return err
		}
		set := func(e budget.EnvLimit) budget.EnvLimit {
			e.Paused, e.Reason = pause, *reason
			if !pause {
				e.Reason = ""
			}
			return e
		}
		var ce *budget.ConfigError
		for _, q := range quotas {
			_, err := budget.SetEnv(ctx, a.db, a.table, q, *env, set)
			switch {
			case errors.As(err, &ce):
				return usagef("--%s: %s", flagOf[ce.Field], ce.Reason)
			case errors.Is(err, budget.ErrChanged):
				return refusedf("budget %s changed since it was read: run it again", q)
			case err != nil:
				return fmt.Errorf("pause %s in %s: %w", *env, q, err)
			}
			state := "resumed"
			if pause {
				state = "paused: " + *reason
			}
			if !a.json {
				fmt.Fprintf(a.stdout, "env %s %s (budget %s)\n", *env, state, q)
			}
		}
		if a.json {
			return a.emit(map[string]any{"env": *env, "paused": pause, "reason": *reason, "quotas": quotas})
		}
		return nil
	}
}

// quotas returns only, or every quota with a budget row in the table.
func (a *app) quotas(ctx context.Context, only string) ([]string, error) {
	if only != "" {
		return []string{only}, nil
	}
	t, err := inspect.ReadTable(ctx, a.db, a.table)
	if err != nil {
		return nil, err
	}
	bs, err := t.Budgets()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, b := range bs {
		out = append(out, b.Quota)
	}
	if len(out) == 0 {
		return nil, usagef("--quota: the table has no budget row yet: name the quota to create its entry")
	}
	return out, nil
}
