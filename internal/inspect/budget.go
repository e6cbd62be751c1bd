package inspect

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// Getter is the part of the DynamoDB API that ReadBudget and ReadScope call.
type Getter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

var _ Getter = (*dynamodb.Client)(nil)

// DefaultRecovery is the lease package's default throttle-feedback
// recovery: the factor regains 0.05 of the quota per second.
const DefaultRecovery = 0.05

// Budget is one budget row (pk "budget#<quota>", sk "budget") as the lease
// package writes it. Instants are µs since the Unix epoch.
type Budget struct {
	Quota string `dynamodbav:"-"` // <region>/<model>
	lease.Limits
	Envs      map[string]lease.EnvLimit `dynamodbav:"-"` // attributes env:<name>
	TATs      map[string]int64          `dynamodbav:"-"` // tat, rtat, tat:<env>, rtat:<env>
	TFactor   float64                   `dynamodbav:"tfactor"`
	TFactorAt int64                     `dynamodbav:"tfactor_at"`
	RFactor   float64                   `dynamodbav:"rfactor"`
	RFactorAt int64                     `dynamodbav:"rfactor_at"`
	Admitted  int64                     `dynamodbav:"admitted"`
	Reserved  int64                     `dynamodbav:"reserved"`
	Refunded  int64                     `dynamodbav:"refunded"`
	Throttles int64                     `dynamodbav:"throttles"`
	Writes    int64                     `dynamodbav:"writes"`
}

// BudgetKey is the key of quota's budget row.
func BudgetKey(quota string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		ddbattr.PK: &types.AttributeValueMemberS{Value: "budget#" + quota},
		ddbattr.SK: &types.AttributeValueMemberS{Value: "budget"},
	}
}

// DecodeBudget decodes a budget row.
func DecodeBudget(item map[string]types.AttributeValue) (Budget, error) {
	var b Budget
	if err := attributevalue.UnmarshalMap(item, &b); err != nil {
		return b, fmt.Errorf("inspect: decode budget row: %w", err)
	}
	b.Quota = strings.TrimPrefix(str(item[ddbattr.PK]), "budget#")
	b.Envs, b.TATs = map[string]lease.EnvLimit{}, map[string]int64{}
	for name, v := range item {
		if env, ok := strings.CutPrefix(name, "env:"); ok {
			var e lease.EnvLimit
			if err := attributevalue.Unmarshal(v, &e); err != nil {
				return b, fmt.Errorf("inspect: decode budget of env %s: %w", env, err)
			}
			b.Envs[env] = e
		} else if isTAT(name) {
			b.TATs[name] = num(v)
		}
	}
	return b, nil
}

func isTAT(name string) bool {
	return name == "tat" || name == "rtat" || strings.HasPrefix(name, "tat:") || strings.HasPrefix(name, "rtat:")
}

// ReadBudget reads quota's budget row, strongly consistent; found is false
// when the row does not exist.
func ReadBudget(ctx context.Context, db Getter, table, quota string) (b Budget, found bool, err error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: BudgetKey(quota), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return b, false, fmt.Errorf("inspect: read budget %s: %w", quota, err)
	}
	if len(out.Item) == 0 {
		return Budget{Quota: quota}, false, nil
	}
	b, err = DecodeBudget(out.Item)
	return b, true, err
}

// Budgets decodes every budget row of the snapshot, by quota.
func (t Table) Budgets() ([]Budget, error) {
	var out []Budget
	for _, item := range t.Items {
		if !strings.HasPrefix(str(item[ddbattr.PK]), "budget#") || str(item[ddbattr.SK]) != "budget" {
			continue
		}
		b, err := DecodeBudget(item)
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Quota < out[j].Quota })
	return out, nil
}

// EnvNames lists the row's environments, sorted.
func (b Budget) EnvNames() []string {
	names := make([]string, 0, len(b.Envs))
	for n := range b.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Net is the tokens the row's writes kept: reserved minus refunded.
func (b Budget) Net() int64 { return b.Reserved - b.Refunded }

// Factor is the throttle-feedback factor of quota q at now: the stored
// factor recovered by recovery per second, at most 1, as lease computes it.
func (b Budget) Factor(q lease.Quota, now time.Time, recovery float64) float64 {
	v, at := b.TFactor, b.TFactorAt
	if q == lease.QuotaRequests {
		v, at = b.RFactor, b.RFactorAt
	}
	if v <= 0 {
		return 1
	}
	return min(v+float64(now.UnixMicro()-at)/1e6*recovery, 1)
}

// Meter is where one GCRA meter of the row stands at an instant.
type Meter struct {
	Attr      string        `json:"attr"`       // tat, rtat, tat:<env>, rtat:<env>
	Unit      string        `json:"unit"`       // tokens or requests
	PerMinute float64       `json:"per_minute"` // effective rate after feedback (and cap)
	Ahead     time.Duration `json:"ahead_ns"`   // how far the TAT is ahead of now; 0 when idle
	BurstUsed float64       `json:"burst_used"` // Ahead as a fraction of the burst
}

// Meters returns the quota's meters and those of every capped environment
// at now.
func (b Budget) Meters(now time.Time, recovery float64) []Meter {
	tRate := b.TPM * b.Factor(lease.QuotaTokens, now, recovery)
	rRate := b.RPM * b.Factor(lease.QuotaRequests, now, recovery)
	out := []Meter{b.meter("tat", "tokens", tRate, now), b.meter("rtat", "requests", rRate, now)}
	for _, env := range b.EnvNames() {
		if c := b.Envs[env].Cap; c > 0 && c < 1 {
			out = append(out, b.meter("tat:"+env, "tokens", tRate*c, now), b.meter("rtat:"+env, "requests", rRate*c, now))
		}
	}
	return out
}

func (b Budget) meter(attr, unit string, perMin float64, now time.Time) Meter {
	m := Meter{Attr: attr, Unit: unit, PerMinute: perMin}
	if tat, ok := b.TATs[attr]; ok && tat > now.UnixMicro() {
		m.Ahead = time.Duration(tat-now.UnixMicro()) * time.Microsecond
	}
	if b.Burst > 0 {
		m.BurstUsed = float64(m.Ahead) / float64(time.Duration(b.Burst)*time.Millisecond)
	}
	return m
}
