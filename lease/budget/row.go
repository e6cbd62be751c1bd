package budget

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Limits are a Bedrock quota: tokens per minute, requests per minute where
// one is still enforced (0: none, Bedrock's default since May 2026), and
// the burst tolerance as a duration of that rate. A plain value.
type Limits struct {
	RPM   float64 `dynamodbav:"rpm"`
	TPM   float64 `dynamodbav:"tpm"`
	Burst int64   `dynamodbav:"burst_ms"` // milliseconds of quota admissible at once
	// TPD is the model's tokens per day; 0 means TPM × 1,440, Bedrock's
	// default (new accounts may have less).
	TPD float64 `dynamodbav:"tpd"`
	// AccountTPD is the account-wide tokens per day of regions that have
	// one ("Cross-Model Max Tokens Per Day"); 0 means none. The row sees
	// only its own model's use of it.
	AccountTPD float64 `dynamodbav:"acct_tpd"`
}

// EnvLimit is one environment's share of a quota: Cap is the fraction of
// the quota it may use (0 < Cap ≤ 1); a higher Priority is admitted first
// when the quota is tight. A plain value.
type EnvLimit struct {
	Cap      float64 `dynamodbav:"cap"`
	Priority int     `dynamodbav:"priority"`
	// Paused stops the environment's admissions (Reserve fails with a
	// *PausedError); Reason says why, for the invocations' responses.
	Paused bool   `dynamodbav:"paused,omitempty"`
	Reason string `dynamodbav:"reason,omitempty"`
}

// Row is a budget row decoded: the quota's limits, the environments drawing
// on it, where its meters stand and its running totals, as the Budgets
// sharing it left them. Instants are µs since the Unix epoch. Row is a
// plain value; its methods are pure.
type Row struct {
	Quota string `dynamodbav:"-"` // <region>/<model or inference profile>
	Limits
	Envs      map[string]EnvLimit `dynamodbav:"-"`       // one per environment
	TATs      map[string]int64    `dynamodbav:"-"`       // theoretical arrival time of each meter, by attribute
	TFactor   float64             `dynamodbav:"tfactor"` // throttle feedback on tokens, as set at TFactorAt
	TFactorAt int64               `dynamodbav:"tfactor_at"`
	RFactor   float64             `dynamodbav:"rfactor"` // the same on requests
	RFactorAt int64               `dynamodbav:"rfactor_at"`
	Admitted  int64               `dynamodbav:"admitted"`  // requests admitted
	Reserved  int64               `dynamodbav:"reserved"`  // tokens taken
	Refunded  int64               `dynamodbav:"refunded"`  // tokens handed back
	Throttles int64               `dynamodbav:"throttles"` // throttles reported
	Writes    int64               `dynamodbav:"writes"`    // admission writes
	Day       int64               `dynamodbav:"day"`       // the UTC day DayUsed counts, in days since the epoch
	DayUsed   int64               `dynamodbav:"day_used"`  // tokens taken on Day, net of refunds
	// Recovery is the throttle-feedback recovery per second that Factor
	// and Meters apply. It is not stored: each process sets its own with
	// WithFeedback. Zero means DefaultRecovery.
	Recovery float64 `dynamodbav:"-"`
}

// The row's key and the prefix of each environment's attribute. The
// environments are top-level attributes, not one map, because minidyn
// v0.8.2 garbles empty maps.
const (
	pkPrefix  = "budget#"
	rowSK     = "budget"
	envPrefix = "env:"
)

func rowKey(quota string) map[string]types.AttributeValue {
	return ddbattr.Key(pkPrefix+quota, rowSK)
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

// isRequestMeter reports whether a TAT attribute meters requests.
func isRequestMeter(name string) bool { return strings.HasPrefix(name, "rtat") }

func isTAT(name string) bool {
	return name == "tat" || name == "rtat" || strings.HasPrefix(name, "tat:") || strings.HasPrefix(name, "rtat:")
}

// Read reads quota's budget row, strongly consistent; found is false when
// the row does not exist.
func Read(ctx context.Context, db DynamoDB, table, quota string) (row Row, found bool, err error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: rowKey(quota), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Row{Quota: quota}, false, fmt.Errorf("budget: read %s: %w", quota, err)
	}
	if len(out.Item) == 0 {
		return Row{Quota: quota}, false, nil
	}
	row, err = decodeRow(out.Item)
	return row, true, err
}

// DecodeRow decodes an item of the coordination table, from a Scan for
// example; ok is false when the item is not a budget row.
func DecodeRow(item map[string]types.AttributeValue) (row Row, ok bool, err error) {
	if !strings.HasPrefix(ddbattr.GetS(item, ddbattr.PK), pkPrefix) || ddbattr.GetS(item, ddbattr.SK) != rowSK {
		return Row{}, false, nil
	}
	row, err = decodeRow(item)
	return row, true, err
}

func decodeRow(item map[string]types.AttributeValue) (Row, error) {
	var r Row
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return r, fmt.Errorf("budget: decode row: %w", err)
	}
	r.Quota = strings.TrimPrefix(ddbattr.GetS(item, ddbattr.PK), pkPrefix)
	r.TATs, r.Envs = map[string]int64{}, map[string]EnvLimit{}
	for name, v := range item {
		if env, ok := strings.CutPrefix(name, envPrefix); ok {
			var e EnvLimit
			if err := attributevalue.Unmarshal(v, &e); err != nil {
				return r, fmt.Errorf("budget: decode env %s: %w", env, err)
			}
			r.Envs[env] = e
			continue
		}
		if n, ok := v.(*types.AttributeValueMemberN); ok && isTAT(name) {
			r.TATs[name], _ = strconv.ParseInt(n.Value, 10, 64)
		}
	}
	return r, nil
}

// Net is the tokens the row kept: reserved minus refunded.
func (r Row) Net() int64 { return r.Reserved - r.Refunded }

// Meter is where one meter of a row stands at an instant, a plain value.
type Meter struct {
	Attr      string        // the attribute of its TAT: tat, rtat, tat:<env>, rtat:<env>
	Quota     Quota         // what it meters
	PerMinute float64       // effective rate, after throttle feedback and the environment's cap
	Ahead     time.Duration // how far its TAT is ahead of now; 0 when idle
	BurstUsed float64       // Ahead as a fraction of the burst
}

// Meters returns the quota's meters at now, then those of every capped
// environment, by name.
func (r Row) Meters(now time.Time) []Meter {
	tRate := r.TPM * r.Factor(Tokens, now)
	rRate := r.RPM * r.Factor(Requests, now)
	out := []Meter{r.meter(tokenAttr(""), Tokens, tRate, now)}
	if rRate > 0 {
		out = append(out, r.meter(requestAttr(""), Requests, rRate, now))
	}
	for _, env := range r.envNames() {
		if c := r.Envs[env].Cap; c > 0 && c < 1 {
			out = append(out, r.meter(tokenAttr(env), Tokens, tRate*c, now))
			if rRate > 0 {
				out = append(out, r.meter(requestAttr(env), Requests, rRate*c, now))
			}
		}
	}
	return out
}

func (r Row) meter(attr string, q Quota, perMin float64, now time.Time) Meter {
	m := Meter{Attr: attr, Quota: q, PerMinute: perMin}
	if tat, ok := r.TATs[attr]; ok && tat > now.UnixMicro() {
		m.Ahead = time.Duration(tat-now.UnixMicro()) * time.Microsecond
	}
	if r.Burst > 0 {
		m.BurstUsed = float64(m.Ahead) / float64(time.Duration(r.Burst)*time.Millisecond)
	}
	return m
}

// envNames lists the row's environments, sorted.
func (r Row) envNames() []string {
	names := make([]string, 0, len(r.Envs))
	for n := range r.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// tau returns env's threshold on the quota-wide meters: the full burst for
// the highest priority present, less for each lower priority, so that
// lower priorities leave headroom that higher ones take first.
func (r Row) tau(env string) int64 {
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
func (r Row) priorities() []int {
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

// record is the row as a Budget last saw it, with what it plans from.
type record struct {
	Row
	exists bool
	seen   int64            // when this process read the row (µs), 0 if unknown
	ahead  map[string]bool  // meters whose TAT peers had left ahead of seen (see guess)
	marks  map[string]int64 // credit markers (see mark.go): attribute → when written, µs
}

// decodeRecord decodes an item returned by a write; an empty item is a
// row that does not exist.
func decodeRecord(item map[string]types.AttributeValue) (record, error) {
	if len(item) == 0 {
		return record{}, nil
	}
	row, err := decodeRow(item)
	if err != nil {
		return record{}, err
	}
	rec := record{Row: row, exists: true, marks: map[string]int64{}}
	for name, v := range item {
		if n, ok := v.(*types.AttributeValueMemberN); ok && strings.HasPrefix(name, markPrefix) {
			rec.marks[name], _ = strconv.ParseInt(n.Value, 10, 64)
		}
	}
	return rec, nil
}
