package budget

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// cost is an amount of quota. A credit (quota handed back) may differ on
// the environment's capped meter: env is what goes back to it, when
// envSet (see credit).
type cost struct {
	tokens, requests int64
	env              int64
	envSet           bool
}

// envTokens is what c moves the environment's capped meter by.
func (c cost) envTokens() int64 {
	if c.envSet {
		return c.env
	}
	return c.tokens
}

// errUnwritten marks an admission that ended before any write was
// applied: nothing was taken from the row nor handed back to it.
var errUnwritten = errors.New("budget: ended before its write")

// admission is what a successful admission write did: how long to wait
// before the quota may be spent, and where it left the quota's token TAT
// and the environment's, the ends of the slots its tokens were scheduled
// in (µs).
type admission struct {
	wait            time.Duration
	until, untilEnv int64
}

// admit takes need from the row and hands back back, in one conditional
// write, and returns how long to wait before the quota may be spent. An
// error wraps errUnwritten when no write was applied; otherwise the last
// write may have been. A write that credits the row carries a marker of its
// own, on condition that the row does not hold it yet: a write that was
// applied, answered with an error and sent again (the SDK retries) is
// refused, and recognized as applied, instead of crediting twice.
func (b *Budget) admit(ctx context.Context, need, back cost) (admission, error) {
	tokens, requests := need.tokens-back.tokens, need.requests-back.requests
	mark := ""
	if back.tokens > 0 || back.requests > 0 || back.envTokens() > 0 {
		mark = newMark()
	}
	for lost := 0; ; {
		now := b.clock.Now()
		meters, steps, wait := b.plan(now, need, back)
		if wait > 0 {
			if err := b.sleep(ctx, wait+meters[0].spread(lost)); err != nil {
				return admission{}, fmt.Errorf("%w: %w", errUnwritten, err)
			}
			continue
		}
		b.mu.Lock()
		row := b.rec.Row
		b.mu.Unlock()
		if err := row.dayCheck(now, tokens); err != nil {
			return admission{}, fmt.Errorf("%w: %w", errUnwritten, err)
		}
		in := admitInput(steps, now, tokens, requests)
		conditionRates(in, row)
		daily(in, row, now, tokens)
		drop := b.marked(in, mark, now)
		rec, ok, err := b.update(ctx, in)
		if err != nil {
			return admission{}, err
		}
		if _, applied := rec.marks[markAttr(mark)]; !ok && mark != "" && applied {
			ok = true // this very write, applied before its answer was lost
		}
		b.unmark(drop, ok, mark)
		rec.seen = now.UnixMicro()
		if ok {
			// Judge each meter by where peers had left it, not by where
			// this write put it: a meter pushed ahead by this write alone
			// is idle for the next one.
			rec.ahead = make(map[string]bool, len(steps))
			for _, s := range steps {
				rec.ahead[s.attr] = !s.set && rec.TATs[s.attr]-s.delta >= rec.seen
			}
		}
		b.remember(rec)
		if ok {
			return admission{wait: turn(meters, steps, rec, now), until: rec.TATs[tokenAttr("")], untilEnv: rec.TATs[tokenAttr(b.env)]}, nil
		}
		lost++
		b.learn(steps, rec)
	}
}

// conditionRates makes an admission that takes quota conditional on the
// rate it was planned with: the tokens per minute and the last throttle
// cut as seen in row. Once an operator changes the quota or a throttle
// cuts the factor, a write planned at the old rate is refused, and the
// process plans again from the row its refusal returns (the new rate is
// obeyed from the first write after the change). A pure refund is not
// conditioned.
func conditionRates(in *dynamodb.UpdateItemInput, row Row) {
	if in.ConditionExpression == nil {
		return
	}
	in.ExpressionAttributeValues[":tpm"] = ddbattr.F(row.TPM)
	in.ExpressionAttributeValues[":fat"] = ddbattr.N(row.TFactorAt)
	addCond(in, "tpm = :tpm AND (attribute_not_exists(tfactor_at) OR tfactor_at = :fat)")
}

// spread is the random time a writer adds to its wait for the scheduling
// horizon after lost refused writes: up to its grant's span on the meter,
// doubled per loss, at most the burst. Writers that wait for the horizon
// all wake when it moves, and only one of them fits; spreading the losers
// out keeps them from losing again together.
func (m meter) spread(lost int) time.Duration {
	if lost == 0 {
		return 0
	}
	limit := min(m.span(max(m.need, 1))<<min(lost, 6), m.tau)
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(limit)) * time.Microsecond
}

// learn records, after a refused write, which branch each meter needed:
// the add branch when its TAT had been moved by peers since this process
// saw it idle, the reset branch when it had gone idle. The next plan
// follows it, so that a meter that peers keep near idle does not make
// every admission guess wrong.
func (b *Budget) learn(steps []step, fresh record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.busy == nil {
		b.busy = map[string]bool{}
	}
	for _, s := range steps {
		tat, ok := fresh.TATs[s.attr]
		switch {
		case !s.check || !ok:
		case s.set && tat > s.top:
			b.busy[s.attr] = true
		case !s.set && tat < s.lo:
			b.busy[s.attr] = false
		}
	}
}

// turn is how long an admission that just succeeded waits for its turn:
// the longest delay of its meters, from the TATs it found.
func turn(meters []meter, steps []step, rec record, now time.Time) time.Duration {
	var d time.Duration
	for i, m := range meters {
		before := rec.TATs[m.attr] - steps[i].delta
		if steps[i].set {
			before = now.UnixMicro()
		}
		d = max(d, m.delay(before, now.UnixMicro()))
	}
	return d
}

// plan lays out the meters this environment's admission moves: the quota's
// tokens and requests, and the environment's own when it is capped.
func (b *Budget) plan(now time.Time, need, back cost) ([]meter, []step, time.Duration) {
	b.mu.Lock()
	rec, busy := b.rec, maps.Clone(b.busy)
	tRate, rRate := b.tokenRate(now), b.requestRate(now)
	b.mu.Unlock()
	tau := rec.tau(b.env)
	tok, req := need.tokens-back.tokens, need.requests-back.requests
	envTok := need.tokens - back.envTokens()
	meters := []meter{
		{attr: tokenAttr(""), rate: tRate, tau: tau, amount: tok, need: max(tok, 0), ahead: 3 * tau, slack: tau / slackDivisor},
	}
	if rRate > 0 { // RPM 0: Bedrock enforces no requests-per-minute quota
		meters = append(meters, meter{attr: requestAttr(""), rate: rRate, tau: tau, amount: req, need: max(req, 0), ahead: 3 * tau, slack: tau / requestSlackDivisor})
	}
	if c := rec.Envs[b.env].Cap; c > 0 && c < 1 {
		burst := rec.Burst * 1000
		meters = append(meters,
			meter{attr: tokenAttr(b.env), rate: tRate * c, tau: burst, amount: envTok, need: max(envTok, 0), ahead: burst, slack: burst / slackDivisor})
		if rRate > 0 {
			meters = append(meters, meter{attr: requestAttr(b.env), rate: rRate * c, tau: burst, amount: req, need: max(req, 0), ahead: burst, slack: burst / requestSlackDivisor})
		}
	}
	var wait time.Duration
	steps := make([]step, len(meters))
	for i, m := range meters {
		var w time.Duration
		tat := rec.guess(m.attr, now.UnixMicro())
		if known, ok := busy[m.attr]; ok && known {
			tat = max(tat, now.UnixMicro())
		} else if ok {
			tat = rec.TATs[m.attr] // learned idle: peers do not keep it ahead
		}
		steps[i], w = m.plan(tat, now.UnixMicro())
		wait = max(wait, w)
	}
	return meters, steps, wait
}

// admitInput builds the write: each meter moves its TAT, on condition that
// the TAT is where the plan expects it; the row's counters record the
// movement for operators.
func admitInput(steps []step, now time.Time, tokens, requests int64) *dynamodb.UpdateItemInput {
	names := map[string]string{}
	values := map[string]types.AttributeValue{":one": ddbattr.N(1)}
	var sets, conds []string
	for i, s := range steps {
		a, d := fmt.Sprintf("#a%d", i), fmt.Sprintf(":d%d", i)
		names[a] = s.attr
		switch {
		case s.set:
			values[d] = ddbattr.N(now.UnixMicro() + s.delta)
			sets = append(sets, a+" = "+d)
			t := fmt.Sprintf(":t%d", i)
			values[t] = ddbattr.N(s.top)
			conds = append(conds, fmt.Sprintf("(attribute_not_exists(%s) OR %s <= %s)", a, a, t))
		default:
			values[d], values[":zero"] = ddbattr.N(s.delta), ddbattr.N(0)
			sets = append(sets, fmt.Sprintf("%s = if_not_exists(%s, :zero) + %s", a, a, d))
		}
		if s.check && !s.set {
			h, l := fmt.Sprintf(":h%d", i), fmt.Sprintf(":l%d", i)
			values[h], values[l] = ddbattr.N(s.hi), ddbattr.N(s.lo)
			conds = append(conds, fmt.Sprintf("%s BETWEEN %s AND %s", a, l, h))
		}
	}
	in := &dynamodb.UpdateItemInput{
		UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ") + " ADD " + totals(values, tokens, requests)),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if len(conds) > 0 {
		in.ConditionExpression = aws.String(strings.Join(conds, " AND "))
	}
	return in
}

// totals adds the row's running totals: requests admitted, tokens taken
// and tokens handed back.
func totals(values map[string]types.AttributeValue, tokens, requests int64) string {
	values[":rq"], values[":tk"], values[":rf"] = ddbattr.N(max(requests, 0)), ddbattr.N(max(tokens, 0)), ddbattr.N(max(-tokens, 0))
	return "admitted :rq, reserved :tk, refunded :rf, writes :one"
}

// guess is where a meter's TAT probably is now. A meter that was busy (TAT
// ahead of the clock) when last seen is assumed busy still, since peers
// keep pushing it: planning from the old, lower value would pick the reset
// branch and lose the write to the real TAT. One seen idle is assumed idle.
func (r record) guess(attr string, now int64) int64 {
	tat := r.TATs[attr]
	if ahead, ok := r.ahead[attr]; ok {
		if ahead {
			return max(tat, now)
		}
		return tat
	}
	if r.seen > 0 && tat >= r.seen {
		return max(tat, now)
	}
	return tat
}

// remember keeps the row as last seen, the source of every limit and
// meter position this process plans with. A row that does not exist
// leaves the last one seen.
func (b *Budget) remember(rec record) {
	if !rec.exists {
		return
	}
	rec.Recovery = b.recovery
	b.mu.Lock()
	b.rec = rec
	b.mu.Unlock()
}

// addSet adds assignments to the SET clause of an update.
func addSet(in *dynamodb.UpdateItemInput, expr string) {
	in.UpdateExpression = aws.String(strings.Replace(*in.UpdateExpression, "SET ", "SET "+expr+", ", 1))
}

// addCond adds a condition to an update, with AND.
func addCond(in *dynamodb.UpdateItemInput, cond string) {
	if in.ConditionExpression != nil {
		cond = fmt.Sprintf("%s AND %s", *in.ConditionExpression, cond)
	}
	in.ConditionExpression = aws.String(cond)
}
