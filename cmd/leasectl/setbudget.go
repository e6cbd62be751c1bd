package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// Bounds of set-budget's values: the same as the Lambda's configuration.
const (
	maxRPM      = 1e7
	maxTPM      = 1e10
	maxBurstMS  = 3_600_000
	maxPriority = 1000
)

// budgetChange is what set-budget was asked to change; nil means unchanged.
type budgetChange struct {
	quota, env        string
	quotaOnly         bool // set-quota: the account's limits, no environment
	rpm, tpm          *float64
	tpd, acctTPD      *float64
	rawTPD, rawAcct   float64
	burst             *int64
	cap               *float64
	priority          *int
	rawRPM, rawTPM    float64 // the flags as parsed
	rawBurst, rawPrio int64
	rawCap            float64
	rawEnv, rawQuota  string
	setFlags          func(string) bool
}

func setBudgetFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	return budgetChangeFlags(fs, false)
}

// setQuotaFlags is set-budget without the environment's flags: the
// quota belongs to the account and is set once, here or by the
// coordination stack's parameters.
func setQuotaFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	return budgetChangeFlags(fs, true)
}

func budgetChangeFlags(fs *flag.FlagSet, quotaOnly bool) func(context.Context, *app) error {
	c := budgetChange{quotaOnly: quotaOnly}
	fs.StringVar(&c.rawQuota, "quota", "", "quota: <region>/<model or inference profile> (required)")
	fs.Float64Var(&c.rawTPD, "tpd", 0, "tokens per day of the model; 0 = tpm × 1440")
	fs.Float64Var(&c.rawAcct, "account-tpd", 0, "account-wide tokens per day, where the region has one; 0 = none")
	fs.Float64Var(&c.rawRPM, "rpm", 0, "requests per minute of the quota; 0 = none enforced (Bedrock's default)")
	fs.Float64Var(&c.rawTPM, "tpm", 0, "tokens per minute of the quota")
	fs.Int64Var(&c.rawBurst, "burst-ms", 0, "burst tolerance, in milliseconds of quota")
	if !quotaOnly {
		fs.StringVar(&c.rawEnv, "env", "", "environment whose cap and priority to set")
		fs.Float64Var(&c.rawCap, "cap", 0, "the environment's share of the quota, within (0, 1]")
		fs.Int64Var(&c.rawPrio, "priority", 0, "the environment's priority (higher is admitted first)")
	}
	return func(ctx context.Context, a *app) error {
		c.setFlags = func(name string) bool { return set(fs, name) }
		if err := c.validate(); err != nil {
			return err
		}
		return a.setBudget(ctx, c)
	}
}

// validate turns the flags into a change, refusing negative or absurd
// values with a message that names the flag.
func (c *budgetChange) validate() error {
	c.quota, c.env = c.rawQuota, c.rawEnv
	if c.quota == "" || !strings.Contains(c.quota, "/") {
		return usagef("--quota %q: want <region>/<model or inference profile>", c.quota)
	}
	if c.setFlags("rpm") {
		if !(c.rawRPM >= 0 && c.rawRPM <= maxRPM) {
			return usagef("--rpm %v: want requests per minute within [0, %g]; 0 = none enforced", c.rawRPM, float64(maxRPM))
		}
		c.rpm = &c.rawRPM
	}
	if c.setFlags("tpm") {
		if !(c.rawTPM >= 1 && c.rawTPM <= maxTPM) {
			return usagef("--tpm %v: want tokens per minute within [1, %g]", c.rawTPM, float64(maxTPM))
		}
		c.tpm = &c.rawTPM
	}
	if c.setFlags("burst-ms") {
		if c.rawBurst < 1 || c.rawBurst > maxBurstMS {
			return usagef("--burst-ms %d: want milliseconds within [1, %d]", c.rawBurst, maxBurstMS)
		}
		c.burst = &c.rawBurst
	}
	for _, d := range []struct {
		flag string
		raw  *float64
		dst  **float64
	}{{"tpd", &c.rawTPD, &c.tpd}, {"account-tpd", &c.rawAcct, &c.acctTPD}} {
		if c.setFlags(d.flag) {
			if !(*d.raw >= 0 && *d.raw <= maxTPM*1440) {
				return usagef("--%s %v: want tokens per day within [0, %g]", d.flag, *d.raw, float64(maxTPM*1440))
			}
			*d.dst = d.raw
		}
	}
	return c.validateEnv()
}

func (c *budgetChange) validateEnv() error {
	if c.setFlags("cap") {
		if !(c.rawCap > 0 && c.rawCap <= 1) {
			return usagef("--cap %v: want a share of the quota within (0, 1]", c.rawCap)
		}
		c.cap = &c.rawCap
	}
	if c.setFlags("priority") {
		if c.rawPrio < -maxPriority || c.rawPrio > maxPriority {
			return usagef("--priority %d: want an integer within [-%d, %d]", c.rawPrio, maxPriority, maxPriority)
		}
		p := int(c.rawPrio)
		c.priority = &p
	}
	switch {
	case (c.cap != nil || c.priority != nil) && c.env == "":
		return usagef("--env: required with --cap or --priority")
	case c.env != "" && c.cap == nil && c.priority == nil:
		return usagef("--env %s: give --cap, --priority or both", c.env)
	case !c.limitsChanged() && c.env == "":
		return usagef("nothing to change: give --tpm, --tpd, --account-tpd, --rpm, --burst-ms or --env with --cap/--priority")
	}
	return nil
}

// setBudget writes the change through the row's owner: the limits, then
// the environment's entry, each in one conditional write that applies only
// if what it changes is still as read.
func (a *app) setBudget(ctx context.Context, c budgetChange) error {
	ch, err := c.apply(ctx, a.db, a.table)
	var ce *budget.ConfigError
	switch {
	case errors.Is(err, budget.ErrNoBudget):
		return usagef("--tpm: quota %s has no budget row yet: give --tpm to create it", c.quota)
	case errors.Is(err, budget.ErrChanged):
		return refusedf("budget %s changed since it was read: run set-budget again", c.quota)
	case errors.As(err, &ce):
		return usagef("--%s: %s", flagOf[ce.Field], ce.Reason)
	case err != nil:
		return fmt.Errorf("set budget %s: %w", c.quota, err)
	}
	before, after := settings(ch.Before), settings(ch.After)
	return a.output(map[string]any{"quota": c.quota, "created": ch.Created, "before": before, "after": after},
		func(w io.Writer) { printChange(w, c.quota, before, after) })
}

// flagOf names the flag of each field of a *budget.ConfigError.
var flagOf = map[string]string{"rpm": "rpm", "tpm": "tpm", "burst": "burst-ms", "env": "env", "cap": "cap",
	"tpd": "tpd", "account tpd": "account-tpd"}

// apply writes the limits and then the environment's entry that c
// changes, and returns the row before the first write and after the last.
func (c budgetChange) apply(ctx context.Context, db budget.DynamoDB, table string) (budget.Change, error) {
	var out budget.Change
	limits := c.limitsChanged()
	if limits {
		ch, err := budget.SetLimits(ctx, db, table, c.quota, c.limits)
		if err != nil {
			return out, err
		}
		out = ch
	}
	if c.env != "" {
		ch, err := budget.SetEnv(ctx, db, table, c.quota, c.env, c.entry)
		if err != nil {
			return out, err
		}
		if !limits {
			out.Before = ch.Before
		}
		out.After = ch.After
	}
	return out, nil
}

// limitsChanged reports whether a flag of the quota's limits was given.
func (c budgetChange) limitsChanged() bool {
	return c.rpm != nil || c.tpm != nil || c.burst != nil || c.tpd != nil || c.acctTPD != nil
}

// limits applies the flags given to the quota's limits as read.
func (c budgetChange) limits(l budget.Limits) budget.Limits {
	if c.tpd != nil {
		l.TPD = *c.tpd
	}
	if c.acctTPD != nil {
		l.AccountTPD = *c.acctTPD
	}
	if c.rpm != nil {
		l.RPM = *c.rpm
	}
	if c.tpm != nil {
		l.TPM = *c.tpm
	}
	if c.burst != nil {
		l.Burst = *c.burst
	}
	return l
}

// entry applies the flags given to the environment's entry as read.
func (c budgetChange) entry(e budget.EnvLimit) budget.EnvLimit {
	if c.cap != nil {
		e.Cap = *c.cap
	}
	if c.priority != nil {
		e.Priority = *c.priority
	}
	return e
}

// settings are the operator-set values of a budget row.
type budgetSettings struct {
	RPM        float64            `json:"rpm"`
	TPM        float64            `json:"tpm"`
	BurstMS    int64              `json:"burst_ms"`
	TPD        float64            `json:"tpd"`
	AccountTPD float64            `json:"account_tpd"`
	Envs       map[string]envView `json:"envs"`
}

func settings(b budget.Row) budgetSettings {
	return budgetSettings{RPM: b.RPM, TPM: b.TPM, BurstMS: b.Burst, TPD: b.TPD, AccountTPD: b.AccountTPD, Envs: envViews(b.Envs)}
}

func printChange(w io.Writer, quota string, before, after budgetSettings) {
	fmt.Fprintf(w, "budget %s\n", quota)
	tw := newTable(w, "  SETTING\tBEFORE\tAFTER\tCHANGED")
	row := func(name, b, a string) {
		mark := "-"
		if a != b {
			mark = "*"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", name, b, a, mark)
	}
	row("rpm", fmt.Sprint(before.RPM), fmt.Sprint(after.RPM))
	row("tpm", fmt.Sprint(before.TPM), fmt.Sprint(after.TPM))
	row("burst_ms", fmt.Sprint(before.BurstMS), fmt.Sprint(after.BurstMS))
	row("tpd", fmt.Sprint(before.TPD), fmt.Sprint(after.TPD))
	row("account_tpd", fmt.Sprint(before.AccountTPD), fmt.Sprint(after.AccountTPD))
	for _, name := range sortedKeys(after.Envs) {
		b, a := before.Envs[name], after.Envs[name]
		row("env:"+name+" cap", fmt.Sprint(b.Cap), fmt.Sprint(a.Cap))
		row("env:"+name+" priority", fmt.Sprint(b.Priority), fmt.Sprint(a.Priority))
		if a.Paused || b.Paused {
			row("env:"+name+" paused", fmt.Sprint(b.Paused), fmt.Sprint(a.Paused))
		}
	}
	tw.Flush()
}
