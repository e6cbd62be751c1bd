package budget

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// The daily quotas are one meter of the row: the UTC day it counts (day)
// and the tokens taken that day net of refunds (day_used), moved by every
// admission write in the same way as the TATs: an addition on condition
// that the day is still the one planned for and has room, or a reset to the
// new day on condition that the stored one is older.

// dayOf returns the UTC day of t, in days since the Unix epoch.
func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// DayLimit returns the daily quota that binds the row's model and its
// name: TPD (TPM × 1,440 when zero), or the account-wide quota when it is
// lower.
func (r Row) DayLimit() (float64, string) {
	tpd := r.TPD
	if tpd <= 0 {
		tpd = r.TPM * 1440
	}
	if r.AccountTPD > 0 && r.AccountTPD < tpd {
		return r.AccountTPD, "account tokens per day"
	}
	return tpd, "tokens per day"
}

// DayLeft returns the tokens the daily quota has left at now.
func (r Row) DayLeft(now time.Time) int64 {
	limit, _ := r.DayLimit()
	var used int64
	if r.Day == dayOf(now) {
		used = r.DayUsed
	}
	return max(int64(limit)-used, 0)
}

// MinuteLeft returns the tokens the quota admits at once at now (what its
// burst has left) and within the next minute (that plus a minute of the
// effective rate), after throttle feedback.
func (r Row) MinuteLeft(now time.Time) (atOnce, nextMinute int64) {
	rate := r.TPM * r.Factor(Tokens, now) / 60e6 // per µs
	ahead := max(r.TATs[tokenAttr("")]-now.UnixMicro(), 0)
	atOnce = max(int64(float64(r.Burst*1000-ahead)*rate), 0)
	return atOnce, atOnce + int64(rate*60e6)
}

// dayCheck returns the *DayExhaustedError of an admission of tokens at now
// that the day's quota cannot take.
func (r Row) dayCheck(now time.Time, tokens int64) error {
	if tokens <= 0 || r.TPM <= 0 {
		return nil
	}
	if left := r.DayLeft(now); tokens > left {
		limit, name := r.DayLimit()
		return &DayExhaustedError{Quota: r.Quota, Name: name, Limit: limit, Left: left,
			ResetAt: time.Unix((dayOf(now)+1)*86400, 0).UTC()}
	}
	return nil
}

// daily adds the day meter to an admission write that moves it by tokens
// (negative: a refund), planned from rec at now.
func daily(in *dynamodb.UpdateItemInput, rec Row, now time.Time, tokens int64) {
	today := dayOf(now)
	in.ExpressionAttributeNames["#day"], in.ExpressionAttributeNames["#du"] = "day", "day_used"
	in.ExpressionAttributeValues[":today"] = ddbattr.N(today)
	if rec.Day == today {
		in.ExpressionAttributeValues[":dt"] = ddbattr.N(tokens)
		in.ExpressionAttributeValues[":dz"] = ddbattr.N(0)
		addSet(in, "#du = if_not_exists(#du, :dz) + :dt")
		cond := "#day = :today"
		if tokens > 0 {
			limit, _ := rec.DayLimit()
			in.ExpressionAttributeValues[":dmax"] = ddbattr.N(int64(limit) - tokens)
			cond += " AND #du <= :dmax"
		}
		addCond(in, cond)
		return
	}
	in.ExpressionAttributeValues[":dt"] = ddbattr.N(max(tokens, 0))
	addSet(in, "#day = :today, #du = :dt")
	addCond(in, "(attribute_not_exists(#day) OR #day < :today)")
}
