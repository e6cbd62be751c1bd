package lease

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Limits are a Bedrock quota: requests and tokens per minute, and the
// burst tolerance as a duration of that rate.
type Limits struct {
	RPM   float64 `dynamodbav:"rpm"`
	TPM   float64 `dynamodbav:"tpm"`
	Burst int64   `dynamodbav:"burst_ms"` // milliseconds of quota admissible at once
}

// EnvLimit is one environment's share of a quota: Cap is the fraction of
// the quota it may use (0 < Cap ≤ 1); a higher Priority is admitted first
// when the quota is tight.
type EnvLimit struct {
	Cap      float64 `dynamodbav:"cap"`
	Priority int     `dynamodbav:"priority"`
}

// budgetRecord is the budget row: pk "budget#<quota>", sk "budget".
type budgetRecord struct {
	exists bool
	Limits
	Envs      map[string]EnvLimit `dynamodbav:"-"` // attributes env:<name>
	TFactor   float64             `dynamodbav:"tfactor"`
	TFactorAt int64               `dynamodbav:"tfactor_at"`
	RFactor   float64             `dynamodbav:"rfactor"`
	RFactorAt int64               `dynamodbav:"rfactor_at"`
	Admitted  int64               `dynamodbav:"admitted"`
	Reserved  int64               `dynamodbav:"reserved"`
	Refunded  int64               `dynamodbav:"refunded"`
	Throttles int64               `dynamodbav:"throttles"`
	Writes    int64               `dynamodbav:"writes"`
	tats      map[string]int64    // every attribute named tat or tat:*, rtat…
	seen      int64               // when this process read the row (µs), 0 if unknown
	ahead     map[string]bool     // meters whose TAT peers had left ahead of seen (see guess)
}

// envPrefix starts the attribute name of each environment's limits. They
// are top-level attributes, not one map, because minidyn v0.8.2 garbles
// empty maps.
const envPrefix = "env:"

func budgetKey(quota string) map[string]types.AttributeValue {
	return ddbattr.Key("budget#"+quota, "budget")
}

// TAT attribute names: the quota's and each capped environment's.
func tokenAttr(env string) string {
	if env == "" {
		return "tat"
	}
	return "tat:" + env
}

func requestAttr(env string) string {
	if env == "" {
		return "rtat"
	}
	return "rtat:" + env
}

func decodeBudget(item map[string]types.AttributeValue) (budgetRecord, error) {
	var r budgetRecord
	if len(item) == 0 {
		return r, nil
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return r, fmt.Errorf("lease: decode budget row: %w", err)
	}
	r.exists = true
	r.tats = map[string]int64{}
	r.Envs = map[string]EnvLimit{}
	for name, v := range item {
		if env, ok := strings.CutPrefix(name, envPrefix); ok {
			var e EnvLimit
			if err := attributevalue.Unmarshal(v, &e); err != nil {
				return r, fmt.Errorf("lease: decode budget of env %s: %w", env, err)
			}
			r.Envs[env] = e
			continue
		}
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok || !(name == "tat" || name == "rtat" || len(name) > 4 && (name[:4] == "tat:" || name[:5] == "rtat:")) {
			continue
		}
		r.tats[name], _ = strconv.ParseInt(n.Value, 10, 64)
	}
	return r, nil
}

// tau returns env's threshold on the quota-wide meters: the full burst for
// the highest priority present, less for each lower priority, so that
// lower priorities leave headroom that higher ones take first.
func (r budgetRecord) tau(env string) int64 {
	burst := r.Burst * 1000
	levels := r.priorities()
	rank := sort.SearchInts(levels, r.Envs[env].Priority) // 0 = lowest
	if len(levels) < 2 {
		return burst
	}
	below := len(levels) - 1 - rank // levels above env
	return burst - burst*int64(below)/int64(2*(len(levels)-1))
}

// priorities lists the distinct priorities of the row's environments,
// ascending.
func (r budgetRecord) priorities() []int {
	seen := map[int]bool{}
	var out []int
	for _, e := range r.Envs {
		if !seen[e.Priority] {
			seen[e.Priority] = true
			out = append(out, e.Priority)
		}
	}
	sort.Ints(out)
	return out
}
