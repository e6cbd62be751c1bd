package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease"
)

// Bounds of set-budget's values: the same as the Lambda's configuration.
const (
	maxRPM      = 1e7
	maxTPM      = 1e10
	maxBurstMS  = 3_600_000
	maxPriority = 1000
	seedBurstMS = 10_000 // the lease package's default burst
)

// envName is what environment names may contain (they become attribute
// names of the budget row), as package lease checks.
var envName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// budgetChange is what set-budget was asked to change; nil means unchanged.
type budgetChange struct {
	quota, env        string
	rpm, tpm          *float64
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
	var c budgetChange
	fs.StringVar(&c.rawQuota, "quota", "", "quota: <region>/<model or inference profile> (required)")
	fs.Float64Var(&c.rawRPM, "rpm", 0, "requests per minute of the quota")
	fs.Float64Var(&c.rawTPM, "tpm", 0, "tokens per minute of the quota")
	fs.Int64Var(&c.rawBurst, "burst-ms", 0, "burst tolerance, in milliseconds of quota")
	fs.StringVar(&c.rawEnv, "env", "", "environment whose cap and priority to set")
	fs.Float64Var(&c.rawCap, "cap", 0, "the environment's share of the quota, within (0, 1]")
	fs.Int64Var(&c.rawPrio, "priority", 0, "the environment's priority (higher is admitted first)")
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
		if !(c.rawRPM > 0 && c.rawRPM <= maxRPM) {
			return usagef("--rpm %v: want requests per minute within (0, %g]", c.rawRPM, float64(maxRPM))
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
	case c.env != "" && !envName.MatchString(c.env):
		return usagef("--env %q: use 1-64 letters, digits, _ or -", c.env)
	case c.env != "" && c.cap == nil && c.priority == nil:
		return usagef("--env %s: give --cap, --priority or both", c.env)
	case c.rpm == nil && c.tpm == nil && c.burst == nil && c.env == "":
		return usagef("nothing to change: give --rpm, --tpm, --burst-ms or --env with --cap/--priority")
	}
	return nil
}

// setBudget reads the row, then writes the change in one UpdateItem on
// condition that every attribute it changes is still as read.
func (a *app) setBudget(ctx context.Context, c budgetChange) error {
	before, found, err := inspect.ReadBudget(ctx, a.db, a.table, c.quota)
	if err != nil {
		return err
	}
	if !found && (c.rpm == nil || c.tpm == nil) {
		return usagef("--rpm and --tpm: quota %s has no budget row yet: give both to create it", c.quota)
	}
	in := updateInput(a.table, c, before, found)
	out, err := a.db.UpdateItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return refusedf("budget %s changed since it was read: run set-budget again", c.quota)
	}
	if err != nil {
		return fmt.Errorf("set budget %s: %w", c.quota, err)
	}
	after, err := inspect.DecodeBudget(out.Attributes)
	if err != nil {
		return err
	}
	if !found {
		before = inspect.Budget{Quota: c.quota}
	}
	if a.json {
		return a.emit(map[string]any{"quota": c.quota, "created": !found,
			"before": settings(before), "after": settings(after)})
	}
	printChange(a.stdout, c.quota, settings(before), settings(after))
	return nil
}

func updateInput(table string, c budgetChange, before inspect.Budget, found bool) *dynamodb.UpdateItemInput {
	u := update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
	if !found {
		u.cond = append(u.cond, "attribute_not_exists("+ddbattr.PK+")")
		if c.burst == nil {
			b := int64(seedBurstMS)
			c.burst = &b
		}
	}
	if c.rpm != nil {
		u.setNum("rpm", f(*c.rpm), f(before.RPM), found)
	}
	if c.tpm != nil {
		u.setNum("tpm", f(*c.tpm), f(before.TPM), found)
	}
	if c.burst != nil {
		u.setNum("burst_ms", n(*c.burst), n(before.Burst), found)
	}
	if c.env != "" {
		u.setEnv(c, before, found)
	}
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: inspect.BudgetKey(c.quota),
		UpdateExpression:          aws.String("SET " + strings.Join(u.sets, ", ")),
		ConditionExpression:       aws.String(strings.Join(u.cond, " AND ")),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// update collects the parts of set-budget's UpdateItem.
type update struct {
	sets, cond []string
	names      map[string]string
	values     map[string]types.AttributeValue
}

// setNum sets attr to v, on condition that it still holds old (or is
// missing, when it was).
func (u *update) setNum(attr string, v, old types.AttributeValue, found bool) {
	k := fmt.Sprintf("%d", len(u.sets))
	u.names["#a"+k], u.values[":v"+k] = attr, v
	u.sets = append(u.sets, "#a"+k+" = :v"+k)
	if !found {
		return
	}
	if zero(old) {
		u.cond = append(u.cond, "attribute_not_exists(#a"+k+")")
		return
	}
	u.values[":o"+k] = old
	u.cond = append(u.cond, "#a"+k+" = :o"+k)
}

// setEnv writes the whole env:<name> map (cap and priority), keeping what
// was not given, on condition that the entry is still as read.
func (u *update) setEnv(c budgetChange, before inspect.Budget, found bool) {
	old, had := before.Envs[c.env]
	next := lease.EnvLimit{Cap: 1}
	if had {
		next = old
	}
	if c.cap != nil {
		next.Cap = *c.cap
	}
	if c.priority != nil {
		next.Priority = *c.priority
	}
	u.names["#e"], u.names["#cap"], u.names["#prio"] = "env:"+c.env, "cap", "priority"
	u.values[":e"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"cap": f(next.Cap), "priority": n(int64(next.Priority))}}
	u.sets = append(u.sets, "#e = :e")
	switch {
	case had:
		u.values[":ocap"], u.values[":oprio"] = f(old.Cap), n(int64(old.Priority))
		u.cond = append(u.cond, "#e.#cap = :ocap AND #e.#prio = :oprio")
	case found:
		u.cond = append(u.cond, "attribute_not_exists(#e)")
	}
}

func f(v float64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatFloat(v, 'g', -1, 64)}
}

func zero(v types.AttributeValue) bool {
	x, ok := v.(*types.AttributeValueMemberN)
	return !ok || x.Value == "0"
}

// settings are the operator-set values of a budget row.
type budgetSettings struct {
	RPM     float64            `json:"rpm"`
	TPM     float64            `json:"tpm"`
	BurstMS int64              `json:"burst_ms"`
	Envs    map[string]envView `json:"envs"`
}

func settings(b inspect.Budget) budgetSettings {
	return budgetSettings{RPM: b.RPM, TPM: b.TPM, BurstMS: b.Burst, Envs: envViews(b.Envs)}
}

func printChange(w io.Writer, quota string, before, after budgetSettings) {
	fmt.Fprintf(w, "budget %s\n", quota)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SETTING\tBEFORE\tAFTER\tCHANGED")
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
	for _, name := range sortedKeys(after.Envs) {
		b, a := before.Envs[name], after.Envs[name]
		row("env:"+name+" cap", fmt.Sprint(b.Cap), fmt.Sprint(a.Cap))
		row("env:"+name+" priority", fmt.Sprint(b.Priority), fmt.Sprint(a.Priority))
	}
	tw.Flush()
}
