package budget_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// TestRowMeters reads where each meter stands from a row, with throttle
// feedback recovered at the package's default rate unless told otherwise.
func TestRowMeters(t *testing.T) {
	now := time.UnixMicro(1_000e6)
	row := budget.Row{Limits: budget.Limits{RPM: 60, TPM: 6000, Burst: 10_000},
		Envs:    map[string]budget.EnvLimit{"prod": {Cap: 1}, "dev": {Cap: 0.5}},
		TATs:    map[string]int64{"tat": 1_005e6, "rtat": 990e6, "tat:dev": 1_002e6},
		TFactor: 0.5, TFactorAt: 998e6, Recovery: 0.05}
	if f := row.Factor(budget.Tokens, now); math.Abs(f-0.6) > 1e-9 {
		t.Errorf("token factor %v, want 0.5 + 2 s × 0.05", f)
	}
	if f := row.Factor(budget.Requests, now); f != 1 {
		t.Errorf("request factor %v, want 1 (never throttled)", f)
	}
	want := []budget.Meter{
		{Attr: "tat", Quota: budget.Tokens, PerMinute: 3600, Ahead: 5 * time.Second, BurstUsed: 0.5},
		{Attr: "rtat", Quota: budget.Requests, PerMinute: 60},
		{Attr: "tat:dev", Quota: budget.Tokens, PerMinute: 1800, Ahead: 2 * time.Second, BurstUsed: 0.2},
		{Attr: "rtat:dev", Quota: budget.Requests, PerMinute: 30},
	}
	got := row.Meters(now)
	for i := range got {
		got[i].PerMinute = math.Round(got[i].PerMinute*1e6) / 1e6
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("meters\n%+v\nwant\n%+v", got, want)
	}
	row.Recovery = 0.1
	if f := row.Factor(budget.Tokens, now); math.Abs(f-0.7) > 1e-9 {
		t.Errorf("token factor at recovery 0.1/s: %v, want 0.7", f)
	}
}

// TestDecodeRow decodes budget rows and passes over other items.
func TestDecodeRow(t *testing.T) {
	item := map[string]types.AttributeValue{
		ddbattr.PK: ddbattr.S("budget#eu-west-3/m"), ddbattr.SK: ddbattr.S("budget"),
		"rpm": ddbattr.F(60), "tpm": ddbattr.F(6000), "burst_ms": ddbattr.N(10_000), "tat": ddbattr.N(42),
		"env:dev":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"cap": ddbattr.F(0.5), "priority": ddbattr.N(2)}},
		"reserved": ddbattr.N(900), "refunded": ddbattr.N(300),
	}
	row, ok, err := budget.DecodeRow(item)
	if err != nil || !ok || row.Quota != "eu-west-3/m" || row.TPM != 6000 || row.TATs["tat"] != 42 ||
		row.Envs["dev"] != (budget.EnvLimit{Cap: 0.5, Priority: 2}) || row.Net() != 600 {
		t.Fatalf("row %+v, ok %v, %v", row, ok, err)
	}
	if _, ok, err := budget.DecodeRow(map[string]types.AttributeValue{ddbattr.PK: ddbattr.S("scope#x"), ddbattr.SK: ddbattr.S("lease")}); ok || err != nil {
		t.Fatalf("a lease scope decoded as a budget row (%v)", err)
	}
}
