package infra

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAlarmMetrics checks that the alarms watch metrics that exist: the
// Embedded Metric Format metrics the Lambda writes (namespace
// IngestNormalize; until its code names the namespace, there is nothing to
// compare with and the test says so), or the function's own AWS/Lambda
// metrics.
func TestAlarmMetrics(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	lits := map[string]bool{}
	for _, fn := range scanCode(t).funcs {
		ast.Inspect(fn.body, func(n ast.Node) bool {
			if s, ok := stringLit(n); ok {
				lits[s] = true
			}
			return true
		})
	}
	for name, r := range alarms(t, tpl) {
		p := dig(t, r, "Properties")
		if got := dig(t, p, "TreatMissingData"); got != "notBreaching" {
			t.Errorf("%s: TreatMissingData %v", name, got)
		}
		if checkFunctionAlarm(t, name, p) {
			continue
		}
		ns, metric := dig(t, p, "Namespace").(string), dig(t, p, "MetricName").(string)
		var dims []string
		for _, d := range list(dig(t, p, "Dimensions")) {
			dims = append(dims, dig(t, d, "Name").(string))
		}
		if ns != "IngestNormalize" || !slices.Equal(dims, []string{"Environment", "Model"}) {
			t.Errorf("%s: namespace %s, dimensions %v; want IngestNormalize, [Environment Model]", name, ns, dims)
		}
		if !lits[ns] {
			t.Logf("%s: the code does not write %s metrics yet", name, ns)
			continue
		}
		for _, s := range append([]string{metric}, dims...) {
			if !lits[s] {
				t.Errorf("%s: the code never names %q", name, s)
			}
		}
	}
}

// alarms returns the template's alarms by logical id.
func alarms(t *testing.T, tpl map[string]any) map[string]any {
	out := map[string]any{}
	for name, r := range dig(t, tpl, "Resources").(map[string]any) {
		if dig(t, r, "Type") == "AWS::CloudWatch::Alarm" {
			out[name] = r
		}
	}
	return out
}

// checkFunctionAlarm reports whether p is an alarm on AWS/Lambda metrics
// (directly or in metric math), and that each of them is the stack's
// function's.
func checkFunctionAlarm(t *testing.T, name string, p any) bool {
	t.Helper()
	metrics := []any{p}
	if m, ok := p.(map[string]any)["Metrics"]; ok {
		metrics = nil
		for _, q := range list(m) {
			if st, ok := q.(map[string]any)["MetricStat"]; ok {
				metrics = append(metrics, dig(t, st, "Metric"))
			}
		}
	}
	lambda := false
	for _, m := range metrics {
		if m.(map[string]any)["Namespace"] != "AWS/Lambda" {
			continue
		}
		lambda = true
		dims := list(dig(t, m, "Dimensions"))
		if len(dims) != 1 || dig(t, dims[0], "Name") != "FunctionName" || fmt.Sprint(dig(t, dims[0], "Value")) != "map[Ref:Function]" {
			t.Errorf("%s: AWS/Lambda metric with dimensions %v, want FunctionName of the stack's Function", name, dims)
		}
	}
	return lambda
}

// TestAlarmsReachSomeone is issue 15's item 10: every alarm notifies the
// SNS topic (the stack's own, or the one given), an email can subscribe,
// and the function's errors and timeouts have alarms of their own.
func TestAlarmsReachSomeone(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	topic := "map[Fn::If:[CreateAlarmTopic map[Ref:AlarmTopic] map[Ref:AlarmTopicArn]]]"
	as := alarms(t, tpl)
	for name, r := range as {
		for _, k := range []string{"AlarmActions", "OKActions"} {
			acts := list(dig(t, r, "Properties", k))
			if len(acts) != 1 || fmt.Sprint(acts[0]) != topic {
				t.Errorf("%s: %s %v, want the alarm topic", name, k, acts)
			}
		}
	}
	errs := dig(t, as, "FunctionErrorsAlarm", "Properties")
	if dig(t, errs, "MetricName") != "Errors" {
		t.Errorf("FunctionErrorsAlarm watches %v", dig(t, errs, "MetricName"))
	}
	timeouts := fmt.Sprint(dig(t, as, "TimeoutsAlarm", "Properties", "Metrics"))
	if !strings.Contains(timeouts, "Duration") || !strings.Contains(timeouts, "TimeoutSeconds") {
		t.Errorf("TimeoutsAlarm does not compare Duration with the timeout: %s", timeouts)
	}
	res := dig(t, tpl, "Resources").(map[string]any)
	for name, cond := range map[string]string{"AlarmTopic": "CreateAlarmTopic", "AlarmEmailSubscription": "SubscribeAlarmEmail",
		"DataBucketResource": "CreateDataBucket", "ConfigBucketResource": "CreateConfigBucket"} {
		if got := dig(t, res, name, "Condition"); got != cond {
			t.Errorf("%s: condition %v, want %s", name, got, cond)
		}
	}
	for _, name := range []string{"DataBucketResource", "ConfigBucketResource"} {
		if dig(t, res, name, "DeletionPolicy") != "Retain" {
			t.Errorf("%s is not kept on stack deletion", name)
		}
	}
}

// TestDashboard checks the dashboard's body: valid JSON once substituted,
// one widget per figure of issue 15 (tokens against the quota, throttles,
// budget wait, items, leases), every metric one the stack has.
func TestDashboard(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	sub := list(dig(t, tpl, "Resources", "Dashboard", "Properties", "DashboardBody", "Fn::Sub"))
	body := regexp.MustCompile(`\$\{[A-Za-z:]+\}`).ReplaceAllStringFunc(sub[0].(string), func(v string) string {
		switch v {
		case "${QuotaTpm}", "${TimeoutMs}":
			return "1000"
		}
		return "x"
	})
	var d struct {
		Widgets []struct {
			Properties struct {
				Title   string  `json:"title"`
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("dashboard body is not JSON: %v\n%s", err, body)
	}
	seen := map[string]bool{}
	for _, w := range d.Widgets {
		for _, m := range w.Properties.Metrics {
			for _, v := range m {
				if s, ok := v.(string); ok {
					seen[s] = true
				}
			}
		}
	}
	for _, m := range []string{"TokensSettled", "BedrockThrottles", "BudgetWaitMs", "ItemsOk", "ItemsFallback", "ItemsFailed", "LeaseLost", "ConcurrentExecutions", "Errors"} {
		if !seen[m] {
			t.Errorf("the dashboard does not show %s", m)
		}
	}
}
