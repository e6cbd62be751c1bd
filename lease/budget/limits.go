package budget

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// An operator's change of a quota's limits, and the rescale it shares with
// a throttle's cut of the factor: what a meter holds ahead of now was
// admitted at the rate of its time; when the rate changes, it is rescaled
// so that the new rate is obeyed at once.

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

// validateStored checks limits about to be written to a row.
func (l Limits) validateStored() error {
	switch {
	case !finite(l.RPM) || l.RPM < 0:
		return configErr("rpm", "%v: give requests per minute, or 0 where Bedrock enforces none", l.RPM)
	case !finite(l.TPM) || l.TPM <= 0:
		return configErr("tpm", "%v: give a positive number of tokens per minute", l.TPM)
	case l.Burst < 0:
		return configErr("burst", "%d ms is negative", l.Burst)
	}
	return l.validateDaily()
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

// rescale moves each TAT of row that is ahead of now so that what it holds
// ahead lasts as long at next's rates as at the row's: ahead × old/new. The
// move is relative (TAT + shift), so admissions written between the read
// and this write are kept; they are rescaled only by the next change.
func rescale(u *update, row Row, next Limits, now time.Time) {
	for _, attr := range sortedKeys(row.TATs) {
		oldRate, newRate := row.TPM, next.TPM
		if isRequestMeter(attr) {
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

// slow rescales what the token meters hold ahead of now after a cut of
// the factor from prev to next: admitted at the old rate, it now lasts
// prev/next as long, so that the cut is obeyed at once rather than after
// the schedule (up to four bursts) has played out at the throttled rate.
// The move is relative; a failure is ignored, as feedback is advisory.
func (b *Budget) slow(ctx context.Context, rec record, now time.Time, prev, next float64) {
	u := newUpdate()
	for _, attr := range sortedKeys(rec.TATs) {
		ahead := rec.TATs[attr] - now.UnixMicro()
		if isRequestMeter(attr) || ahead <= 0 {
			continue
		}
		k := u.name(attr)
		u.sets = append(u.sets, k+" = "+k+" + "+u.value(ddbattr.N(int64(float64(ahead)*(prev/next-1)))))
	}
	if len(u.sets) == 0 {
		return
	}
	if rec, ok, err := b.update(ctx, u.input()); err == nil && ok {
		b.remember(rec)
	}
}
