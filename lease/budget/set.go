package budget

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
