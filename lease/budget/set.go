package budget

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Change is what an operator's write did to a budget row, a plain value.
// When nothing needed changing, nothing was written and After is Before.
type Change struct {
	Before  Row  // as read; only Quota is set when the row did not exist
	After   Row  // as the write left it
	Created bool // the write created the row
}

// SetLimits changes quota's limits in one conditional write, for
// operators: change is given the limits as read (zero when the row does not
// exist) and returns the new ones. TPM must be positive and finite, RPM 0
// (none enforced) or more; a zero Burst means DefaultBurst. The write
// applies only if the limits are still as read, else it fails with
// ErrChanged; a row that does not exist is created when TPM is given (else
// ErrNoBudget). Invalid limits are a *ConfigError, and nothing is written.
//
// A changed rate also rescales what is already scheduled: the part of each
// meter's schedule ahead of now was admitted at the old rate, and now lasts
// old/new as long, so that a lowered quota is obeyed within one burst.
func SetLimits(ctx context.Context, db DynamoDB, table, quota string, change func(Limits) Limits) (Change, error) {
	return SetLimitsAt(ctx, db, table, quota, time.Now(), change)
}

// SetLimitsAt is SetLimits with the time now of the Budgets' clock (see
// WithClock), which the schedule is rescaled from.
func SetLimitsAt(ctx context.Context, db DynamoDB, table, quota string, now time.Time, change func(Limits) Limits) (Change, error) {
	row, found, err := Read(ctx, db, table, quota)
	if err != nil {
		return Change{}, err
	}
	next := change(row.Limits)
	if next.Burst == 0 {
		next.Burst = DefaultBurst
	}
	if !found && next.TPM == 0 {
		return Change{}, fmt.Errorf("budget: %s: give tokens per minute to create the row: %w", quota, ErrNoBudget)
	}
	if err := next.validateStored(); err != nil {
		return Change{}, err
	}
	if found && next == row.Limits {
		return Change{Before: row, After: row}, nil
	}
	u := limitsUpdate(row.Limits, next, found)
	if found {
		rescale(u, row, next, now)
	}
	after, err := write(ctx, db, table, quota, u.input())
	return Change{Before: row, After: after, Created: !found}, err
}

// rescale moves each TAT of row that is ahead of now so that what it holds
// ahead lasts as long at next's rates as at the row's: ahead × old/new. The
// move is relative (TAT + shift), so admissions written between the read
// and this write are kept; they are rescaled only by the next change.
func rescale(u *update, row Row, next Limits, now time.Time) {
	for _, attr := range sortedKeys(row.TATs) {
		oldRate, newRate := row.TPM, next.TPM
		if strings.HasPrefix(attr, "rtat") {
			oldRate, newRate = row.RPM, next.RPM
		}
		ahead := row.TATs[attr] - now.UnixMicro()
		if ahead <= 0 || oldRate <= 0 || newRate <= 0 || oldRate == newRate {
			continue
		}
		k := u.name(attr)
		u.sets = append(u.sets, k+" = "+k+" + "+u.value(ddbattr.N(int64(float64(ahead)*(oldRate/newRate-1)))))
	}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validateStored checks limits about to be written to a row.
func (l Limits) validateStored() error {
	switch {
	case !finite(l.RPM) || l.RPM < 0:
		return configErr("rpm", "%v: give requests per minute, or 0 where Bedrock enforces none", l.RPM)
	case !finite(l.TPM) || l.TPM <= 0:
		return configErr("tpm", "%v: give a positive number of tokens per minute", l.TPM)
	case l.Burst < 0:
		return configErr("burst", "%d ms is negative", l.Burst)
	case !finite(l.TPD) || l.TPD < 0:
		return configErr("tpd", "%v: give tokens per day, or 0 for TPM × 1440", l.TPD)
	case !finite(l.AccountTPD) || l.AccountTPD < 0:
		return configErr("account tpd", "%v: give tokens per day, or 0 for none", l.AccountTPD)
	}
	return nil
}

// limitsUpdate sets the limits that change, on condition that all three
// are as read (old), or that the row does not exist yet.
func limitsUpdate(old, next Limits, found bool) *update {
	u := newUpdate()
	for _, a := range []struct {
		name     string
		old, new types.AttributeValue
		changed  bool
	}{
		{"rpm", ddbattr.F(old.RPM), ddbattr.F(next.RPM), old.RPM != next.RPM || !found},
		{"tpm", ddbattr.F(old.TPM), ddbattr.F(next.TPM), old.TPM != next.TPM || !found},
		{"burst_ms", ddbattr.N(old.Burst), ddbattr.N(next.Burst), old.Burst != next.Burst || !found},
		{"tpd", ddbattr.F(old.TPD), ddbattr.F(next.TPD), old.TPD != next.TPD || !found},
		{"acct_tpd", ddbattr.F(old.AccountTPD), ddbattr.F(next.AccountTPD), old.AccountTPD != next.AccountTPD || !found},
	} {
		k := u.name(a.name)
		if a.changed {
			u.set(k, a.new)
		}
		if found {
			u.was(k, a.old)
		}
	}
	if !found {
		u.conds = append(u.conds, "attribute_not_exists("+u.name(ddbattr.PK)+")")
	}
	return u
}

// SetEnv creates or changes env's entry in quota's row in one conditional
// write, for operators: change is given the entry as read, or cap 1 and
// priority 0 when there is none, and returns the new one, whose cap must be
// within (0, 1]. The write applies only if the entry is still as read,
// else it fails with ErrChanged. A row that does not exist yet (no
// invocation has run) is created with only the entry: the first Budget
// seeds the limits around it and keeps the entry. An invalid name or cap
// is a *ConfigError, and nothing is written.
func SetEnv(ctx context.Context, db DynamoDB, table, quota, env string, change func(EnvLimit) EnvLimit) (Change, error) {
	if err := validEnv(env); err != nil {
		return Change{}, err
	}
	row, found, err := Read(ctx, db, table, quota)
	if err != nil {
		return Change{}, err
	}
	old, had := row.Envs[env]
	base := EnvLimit{Cap: 1}
	if had {
		base = old
	}
	next := change(base)
	if !finite(next.Cap) || next.Cap <= 0 || next.Cap > 1 {
		return Change{}, configErr("cap", "%v must be within (0, 1]", next.Cap)
	}
	if had && next == old {
		return Change{Before: row, After: row}, nil
	}
	after, err := write(ctx, db, table, quota, envSetInput(env, old, next, had))
	return Change{Before: row, After: after, Created: !found}, err
}

// envSetInput writes env's whole entry, on condition that it is as read
// (old), or absent. Every name it declares is used by an expression:
// DynamoDB (and moto) refuse a request with an unused one.
func envSetInput(env string, old, next EnvLimit, had bool) *dynamodb.UpdateItemInput {
	u := newUpdate()
	e := u.name(envPrefix + env)
	u.set(e, envValue(next))
	if had {
		u.was(e+"."+u.name("cap"), ddbattr.F(old.Cap))
		u.was(e+"."+u.name("priority"), ddbattr.N(int64(old.Priority)))
	} else {
		u.conds = append(u.conds, "attribute_not_exists("+e+")")
	}
	return u.input()
}

// write applies an operator's update to quota's row and returns the row as
// it left it.
func write(ctx context.Context, db DynamoDB, table, quota string, in *dynamodb.UpdateItemInput) (Row, error) {
	in.TableName, in.Key, in.ReturnValues = aws.String(table), rowKey(quota), types.ReturnValueAllNew
	out, err := db.UpdateItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return Row{}, fmt.Errorf("budget: %s: %w", quota, ErrChanged)
	}
	if err != nil {
		return Row{}, fmt.Errorf("budget: write %s: %w", quota, err)
	}
	return decodeRow(out.Attributes)
}

// update collects the parts of an operator's UpdateItem.
type update struct {
	sets, conds []string
	names       map[string]string
	values      map[string]types.AttributeValue
}

func newUpdate() *update {
	return &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

// name returns the placeholder of attribute name.
func (u *update) name(attr string) string {
	k := fmt.Sprintf("#n%d", len(u.names))
	u.names[k] = attr
	return k
}

// value returns a new placeholder for v.
func (u *update) value(v types.AttributeValue) string {
	k := fmt.Sprintf(":v%d", len(u.values))
	u.values[k] = v
	return k
}

// set sets the attribute at path to v.
func (u *update) set(path string, v types.AttributeValue) {
	u.sets = append(u.sets, path+" = "+u.value(v))
}

// was adds the condition that the number at path still holds old, or is
// missing when old is zero.
func (u *update) was(path string, old types.AttributeValue) {
	if n, ok := old.(*types.AttributeValueMemberN); ok && n.Value == "0" {
		u.conds = append(u.conds, fmt.Sprintf("(attribute_not_exists(%s) OR %s = %s)", path, path, u.value(old)))
		return
	}
	u.conds = append(u.conds, path+" = "+u.value(old))
}

func (u *update) input() *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{
		UpdateExpression:          aws.String("SET " + strings.Join(u.sets, ", ")),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
	}
	if len(u.conds) > 0 {
		in.ConditionExpression = aws.String(strings.Join(u.conds, " AND "))
	}
	return in
}
