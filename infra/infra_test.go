package infra

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// wantEnv is every setting the Lambda reads from its environment, set by
// s1-runtime.yaml; the local-only S3_FORCE_PATH_STYLE, TIME_SCALE and
// TIME_EPOCH are deliberately absent.
var wantEnv = []string{
	"BEDROCK_API", "BEDROCK_BURNDOWN", "BEDROCK_MAX_TOKENS", "BEDROCK_MODEL_ID", "BEDROCK_PRICE", "BEDROCK_PROMPT_CACHE",
	"BEDROCK_REGION", "CLAIM_BATCH", "CONFIG_BUCKET", "COORDINATION_TABLE",
	"DATA_BUCKET", "DEADLINE_MARGIN", "ENV_CAP", "ENV_NAME", "ENV_PAUSED", "ENV_PRIORITY",
	"LEASE_MAX_HOLDERS", "LEASE_TTL", "LOG_LEVEL", "QUOTA_ACCOUNT_TPD", "QUOTA_BURST_MS",
	"QUOTA_RPM", "QUOTA_TPD", "QUOTA_TPM", "WORKER_CAP",
}

func TestCoordinationTableMatchesCode(t *testing.T) {
	tpl := loadTemplate(t, "s0-coordination.yaml")
	props := dig(t, tpl, "Resources", "CoordinationTable", "Properties")
	c := goConsts(t, filepath.Join(repoRoot(t), "internal", "ddbattr"))
	var keys []string
	for _, k := range list(dig(t, props, "KeySchema")) {
		keys = append(keys, dig(t, k, "AttributeName").(string)+"="+dig(t, k, "KeyType").(string))
	}
	want := []string{c["PK"] + "=HASH", c["SK"] + "=RANGE"}
	if !slices.Equal(keys, want) {
		t.Errorf("key schema %v, the code uses %v", keys, want)
	}
	if got := dig(t, props, "TimeToLiveSpecification", "AttributeName"); got != c["GC"] {
		t.Errorf("TTL attribute %v, the code uses %q", got, c["GC"])
	}
	for k, want := range map[string]string{"BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": "true"} {
		if got := dig(t, props, k); got != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
	for _, k := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		if got := dig(t, tpl, "Resources", "CoordinationTable", k); got != "Retain" {
			t.Errorf("%s = %v, want Retain", k, got)
		}
	}
}

func TestEnvironmentVariables(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	vars := dig(t, tpl, "Resources", "Function", "Properties", "Environment", "Variables").(map[string]any)
	got := slices.Sorted(maps.Keys(vars))
	if !slices.Equal(got, wantEnv) {
		t.Errorf("template sets %v\nwant %v", got, wantEnv)
	}
	cs := scanCode(t)
	if !cs.lambda {
		t.Skip("cmd/ingest-normalize does not exist yet: nothing to compare with the code")
	}
	read := lambdaEnv(t, cs)
	for _, v := range read {
		if _, ok := vars[v]; !ok {
			t.Errorf("the Lambda reads %s, the template does not set it", v)
		}
	}
	for _, v := range got {
		if !slices.Contains(read, v) {
			t.Errorf("the template sets %s, the Lambda never reads it", v)
		}
	}
}

// statement is one statement of the runtime role's policy.
type statement struct {
	sid       string
	actions   []string
	resources []string // Sub templates, "import:…", "getatt:…"
	condition any
}

func roleStatements(t *testing.T, tpl map[string]any) []statement {
	t.Helper()
	var out []statement
	for _, p := range list(dig(t, tpl, "Resources", "Role", "Properties", "Policies")) {
		for _, s := range list(dig(t, p, "PolicyDocument", "Statement")) {
			m := s.(map[string]any)
			if m["Effect"] != "Allow" || m["NotAction"] != nil || m["NotResource"] != nil {
				t.Errorf("statement %v: only Allow with Action and Resource is expected", m["Sid"])
			}
			acts, ok := strs(m["Action"])
			if !ok {
				t.Errorf("statement %v: actions must be literal strings", m["Sid"])
			}
			sid, _ := m["Sid"].(string)
			out = append(out, statement{sid, acts, resourceTexts(m["Resource"]), m["Condition"]})
		}
	}
	return out
}

// resourceTexts flattens a Resource value: both branches of Fn::If, the
// template of Fn::Sub, and markers for imports and GetAtt.
func resourceTexts(v any) []string {
	var out []string
	for _, e := range list(v) {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case map[string]any:
			switch {
			case e["Fn::If"] != nil:
				for _, b := range list(e["Fn::If"])[1:] {
					out = append(out, resourceTexts(b)...)
				}
			case e["Fn::Sub"] != nil:
				out = append(out, list(e["Fn::Sub"])[0].(string))
			case e["Fn::ImportValue"] != nil:
				out = append(out, "import:"+strings.Join(leaves(e["Fn::ImportValue"]), ""))
			case e["Fn::GetAtt"] != nil:
				out = append(out, "getatt:"+strings.Join(leaves(e["Fn::GetAtt"]), "."))
			default:
				out = append(out, fmt.Sprint(e))
			}
		}
	}
	return out
}

func TestRoleLeastPrivilege(t *testing.T) {
	tpl := loadTemplate(t, "s1-runtime.yaml")
	p := goConsts(t, filepath.Join(repoRoot(t), "normalize", "item"))
	// clients/ holds ingestion's per-client source lists (ingest.ClientKey).
	read := "(" + p["IngestedPrefix"] + "|" + p["CanonicalPrefix"] + "|" + p["NormalizedPrefix"] + "|clients/)"
	written := "(" + p["IngestedPrefix"] + "|" + p["NormalizedPrefix"] + ")"
	bucket := `arn:\$\{AWS::Partition\}:s3:::\$\{(DataBucket|Bucket)\}/`
	// Every resource an action may have. The only wildcards are the object
	// keys under one prefix, the log streams of the function's own group
	// (LogGroup.Arn ends in :*), and the region of the foundation model: a
	// cross-region inference profile routes to any region of its geography
	// (any region at all for global.*), so AWS requires it.
	resources := map[string]*regexp.Regexp{
		"dynamodb:":        regexp.MustCompile(`^import:\$\{CoordinationStack\}-TableArn$`),
		"bedrock:":         regexp.MustCompile(`^arn:\$\{AWS::Partition\}:bedrock:(\$\{Region\}:\$\{AWS::AccountId\}:inference-profile/\$\{ModelId\}|\*::foundation-model/\$\{FoundationModelId\}|\$\{Region\}::foundation-model/\$\{ModelId\})$`),
		"s3:GetObject":     regexp.MustCompile(`^` + bucket + read + `\*$`),
		"s3:PutObject":     regexp.MustCompile(`^` + bucket + written + `\*$`),
		"s3:ListBucket":    regexp.MustCompile(`^arn:\$\{AWS::Partition\}:s3:::\$\{(DataBucket|Bucket)\}$`),
		"logs:":            regexp.MustCompile(`^getatt:LogGroup\.Arn$`),
		"s3:prefix values": regexp.MustCompile(`^` + read + `\*$`),
	}
	allowed := map[string]bool{}
	for _, s := range roleStatements(t, tpl) {
		for _, a := range s.actions {
			allowed[a] = true
			if strings.Contains(a, "*") {
				t.Errorf("%s: wildcard action %s", s.sid, a)
			}
			re := resources[a]
			if re == nil {
				re = resources[a[:strings.Index(a, ":")+1]]
			}
			if re == nil {
				t.Errorf("%s: unexpected action %s", s.sid, a)
				continue
			}
			for _, r := range s.resources {
				if !re.MatchString(r) {
					t.Errorf("%s: %s on %q is broader than %s", s.sid, a, r, re)
				}
			}
			if a == "s3:ListBucket" {
				checkListPrefixes(t, s, resources["s3:prefix values"])
			}
		}
	}

	cs := scanCode(t)
	need := requiredActions(t, cs)
	need["logs:CreateLogStream"] = "the Lambda runtime"
	need["logs:PutLogEvents"] = "the Lambda runtime"
	for _, a := range slices.Sorted(maps.Keys(need)) {
		t.Logf("needs %-28s (%s)", a, need[a])
		if !allowed[a] {
			t.Errorf("the code calls %s (%s); the role does not allow it", a, need[a])
		}
	}
	for _, a := range slices.Sorted(maps.Keys(allowed)) {
		if _, ok := need[a]; ok {
			continue
		}
		if cs.lambda {
			t.Errorf("the role allows %s; the Lambda never needs it", a)
		} else {
			t.Logf("allows %s, not called yet (enforced once cmd/ingest-normalize exists)", a)
		}
	}
}

// checkListPrefixes requires s3:ListBucket to be limited by s3:prefix.
func checkListPrefixes(t *testing.T, s statement, re *regexp.Regexp) {
	t.Helper()
	cond, _ := s.condition.(map[string]any)
	like, _ := cond["StringLike"].(map[string]any)
	vals, ok := strs(like["s3:prefix"])
	if len(cond) != 1 || len(like) != 1 || !ok || len(vals) == 0 {
		t.Errorf("%s: s3:ListBucket needs exactly a StringLike s3:prefix condition, got %v", s.sid, s.condition)
	}
	for _, v := range vals {
		if !re.MatchString(v) {
			t.Errorf("%s: s3:prefix %q is outside %s", s.sid, v, re)
		}
	}
}

// TestCfnLint runs cfn-lint on both templates: errors and warnings fail,
// informational findings are logged. Without cfn-lint the test is skipped,
// unless CI is set: then it fails.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("cfn-lint is not installed (pip install cfn-lint) and CI is set")
		}
		t.Skip("cfn-lint is not installed")
	}
	out, err := exec.Command(bin, "--include-checks", "I", "--", "s0-coordination.yaml", "s1-runtime.yaml").CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 8:
		t.Logf("cfn-lint informational findings:\n%s", out)
	default:
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
