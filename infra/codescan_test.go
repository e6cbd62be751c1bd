package infra

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module    = "github.com/vectora/ingest-normalize"
	lambdaPkg = module + "/cmd/ingest-normalize"
	sdk       = "github.com/aws/aws-sdk-go-v2/service/"
)

// services maps the SDK packages whose calls need IAM permissions to the
// IAM prefix of their actions.
var services = map[string]string{
	sdk + "dynamodb":       "dynamodb",
	sdk + "s3":             "s3",
	sdk + "bedrockruntime": "bedrock",
}

// iamActions maps an SDK operation to the IAM actions it needs where they
// differ from "<prefix>:<operation>".
var iamActions = map[string][]string{
	// Each part of a transaction needs its item action; transactionParts
	// finds which parts the code builds.
	"dynamodb:TransactWriteItems": nil,
	"dynamodb:TransactGetItems":   {"dynamodb:GetItem"},
	// S3 answers a GET or HEAD of a missing key with 404 only to a caller
	// that may list the prefix (403 otherwise), and the code tells a
	// missing object by its 404.
	"s3:GetObject":           {"s3:GetObject", "s3:ListBucket"},
	"s3:HeadObject":          {"s3:GetObject", "s3:ListBucket"},
	"s3:ListObjectsV2":       {"s3:ListBucket"},
	"s3:ListObjects":         {"s3:ListBucket"},
	"s3:HeadBucket":          {"s3:ListBucket"},
	"s3:CopyObject":          {"s3:GetObject", "s3:PutObject"},
	"bedrock:Converse":       {"bedrock:InvokeModel"},
	"bedrock:ConverseStream": {"bedrock:InvokeModelWithResponseStream"},
}

// transactionParts maps the dynamodb/types structs of a TransactWriteItem
// to the actions they need.
var transactionParts = map[string]string{
	"ConditionCheck": "dynamodb:ConditionCheckItem",
	"Put":            "dynamodb:PutItem",
	"Update":         "dynamodb:UpdateItem",
	"Delete":         "dynamodb:DeleteItem",
}

// notOnLambdaPath lists functions that are never roots of the fallback scan
// (used before cmd/ingest-normalize exists), with the reason.
var notOnLambdaPath = map[string]string{
	"lease.CreateTable": "creates the table on local servers; on AWS it comes from s0-coordination.yaml",
	"budget.Read":       "operators' reader of a budget row (leasectl)",
	"budget.DecodeRow":  "operators' decoder of a scanned budget row (leasectl, inspect)",
	"budget.SetLimits":  "operators' writer of a quota's limits (leasectl set-budget)",
	"budget.SetEnv":     "operators' writer of an environment's entry (leasectl set-budget)",
}

// goFunc is one function or method of the module, with what it references.
type goFunc struct {
	pkg, name string
	body      ast.Node
	file      *fileInfo
}

type fileInfo struct {
	imports map[string]string // local name -> import path
}

// codeScan is the non-test Go code of the packages linked into the Lambda.
type codeScan struct {
	funcs   []*goFunc
	byName  map[string][]*goFunc
	roots   []*goFunc
	lambda  bool     // cmd/ingest-normalize exists
	lambdaF []string // its non-test files
}

// scanCode parses the module packages the Lambda imports. Before
// cmd/ingest-normalize exists it falls back to lease, lease/budget,
// normalize and bedrock with their exported functions as roots.
func scanCode(t *testing.T) *codeScan {
	t.Helper()
	root := repoRoot(t)
	cs := &codeScan{byName: map[string][]*goFunc{}}
	dirs := map[string][]string{} // import path -> files
	if lambdaWritten(root) {
		cs.lambda = true
		cmd := exec.Command("go", "list", "-deps", "-f",
			`{{.ImportPath}}|{{.Dir}}|{{join .GoFiles ","}}`, "./cmd/ingest-normalize")
		cmd.Dir = root
		out, err := cmd.Output()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list ./cmd/ingest-normalize: %v\n%s", err, exit.Stderr)
		} else if err != nil {
			t.Fatalf("go list ./cmd/ingest-normalize: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			parts := strings.SplitN(line, "|", 3)
			if len(parts) != 3 || !strings.HasPrefix(parts[0], module+"/") {
				continue
			}
			for _, f := range strings.Split(parts[2], ",") {
				dirs[parts[0]] = append(dirs[parts[0]], filepath.Join(parts[1], f))
			}
		}
	} else {
		t.Logf("cmd/ingest-normalize does not exist yet: scanning lease, lease/budget, normalize, bedrock")
		for _, p := range []string{"lease", "lease/budget", "normalize", "bedrock"} {
			files, _ := filepath.Glob(filepath.Join(root, p, "*.go"))
			for _, f := range files {
				if !strings.HasSuffix(f, "_test.go") {
					dirs[module+"/"+p] = append(dirs[module+"/"+p], f)
				}
			}
		}
	}
	fset := token.NewFileSet()
	for pkg, files := range dirs {
		short := pkg[strings.LastIndex(pkg, "/")+1:]
		for _, path := range files {
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			if pkg == lambdaPkg {
				cs.lambdaF = append(cs.lambdaF, path)
			}
			cs.addFile(pkg, short, f)
		}
	}
	return cs
}

func (cs *codeScan) addFile(pkg, short string, f *ast.File) {
	fi := &fileInfo{imports: map[string]string{}}
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		fi.imports[name] = p
	}
	for _, d := range f.Decls {
		fn := &goFunc{pkg: pkg, body: d, file: fi}
		switch d := d.(type) {
		case *ast.FuncDecl:
			fn.name = d.Name.Name
			cs.byName[fn.name] = append(cs.byName[fn.name], fn)
			exported := ast.IsExported(fn.name) && notOnLambdaPath[short+"."+fn.name] == ""
			if pkg == lambdaPkg || (!cs.lambda && exported) {
				cs.roots = append(cs.roots, fn)
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			// Package-level variables run at init (or hold function values).
			cs.roots = append(cs.roots, fn)
		}
		cs.funcs = append(cs.funcs, fn)
	}
}

// reachable returns the functions reachable from the roots, matching
// references by name only: a method call x.M reaches every function or
// method named M in the scanned packages. That over-approximates, so the
// derived actions can only be too many, never too few.
func (cs *codeScan) reachable() []*goFunc {
	seen := map[*goFunc]bool{}
	todo := slices.Clone(cs.roots)
	for len(todo) > 0 {
		fn := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[fn] {
			continue
		}
		seen[fn] = true
		ast.Inspect(fn.body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				todo = append(todo, cs.byName[id.Name]...)
			}
			return true
		})
	}
	var out []*goFunc
	for _, fn := range cs.funcs {
		if seen[fn] {
			out = append(out, fn)
		}
	}
	return out
}

// sdkOperations lists the operations of an SDK service package from its
// api_op_<Operation>.go files.
func sdkOperations(t *testing.T, importPath string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", importPath).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", importPath, err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "api_op_*.go"))
	ops := map[string]bool{}
	for _, f := range files {
		ops[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "api_op_"), ".go")] = true
	}
	if len(ops) == 0 {
		t.Fatalf("no operations found for %s", importPath)
	}
	return ops
}

// requiredActions derives the IAM actions the Lambda's code needs: every
// call x.Op(ctx, in, …) in a reachable function where Op is an operation of
// an SDK service the file imports (or whose input type &svc.OpInput{} is
// the argument), mapped through iamActions, plus the item actions of the
// transaction parts it builds. It returns action -> where it was found.
func requiredActions(t *testing.T, cs *codeScan) map[string]string {
	t.Helper()
	ops := map[string]map[string]bool{}
	for p := range services {
		ops[p] = sdkOperations(t, p)
	}
	got := map[string]string{}
	add := func(action, where string) {
		if _, ok := got[action]; !ok {
			got[action] = where
		}
	}
	for _, fn := range cs.reachable() {
		ast.Inspect(fn.body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) < 2 {
					return true
				}
				for _, svc := range callServices(fn.file, sel.Sel.Name, n.Args[1], ops) {
					op := services[svc] + ":" + sel.Sel.Name
					acts, mapped := iamActions[op]
					if !mapped {
						acts = []string{op}
					}
					for _, a := range acts {
						add(a, fn.pkg+"."+fn.name)
					}
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && fn.file.imports[x.Name] == sdk+"dynamodb/types" {
						if a := transactionParts[sel.Sel.Name]; a != "" {
							add(a, fn.pkg+"."+fn.name)
						}
					}
				}
			}
			return true
		})
	}
	return got
}

// callServices returns the SDK services a call .op(ctx, arg) may go to.
func callServices(fi *fileInfo, op string, arg ast.Expr, ops map[string]map[string]bool) []string {
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.AND {
		if cl, ok := u.X.(*ast.CompositeLit); ok {
			if sel, ok := cl.Type.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok {
					if _, ok := services[fi.imports[x.Name]]; ok && sel.Sel.Name == op+"Input" {
						return []string{fi.imports[x.Name]}
					}
				}
			}
		}
	}
	var out []string
	for _, p := range fi.imports {
		if _, ok := services[p]; ok && ops[p][op] {
			out = append(out, p)
		}
	}
	return out
}

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

// platformEnv are variables the Lambda reads that the template must not set:
// the runtime's and the SDK's own, and the local-only switches.
var platformEnv = regexp.MustCompile(`^(AWS_.*|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_.*|S3_FORCE_PATH_STYLE|TIME_SCALE|TIME_EPOCH)$`)

// lambdaEnv returns the environment variables the Lambda reads: string
// literals in its non-test files that look like variable names (any
// os.Getenv/os.LookupEnv argument, or an upper-case name with an
// underscore anywhere, e.g. in a table of settings), less platformEnv.
func lambdaEnv(t *testing.T, cs *codeScan) []string {
	t.Helper()
	set := map[string]bool{}
	fset := token.NewFileSet()
	for _, path := range cs.lambdaF {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 1 {
				sel, _ := call.Fun.(*ast.SelectorExpr)
				s, ok := stringLit(call.Args[0])
				if sel != nil && ok && (sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv") && !platformEnv.MatchString(s) {
					set[s] = true
				}
			}
			if s, ok := stringLit(n); ok && envName.MatchString(s) && !platformEnv.MatchString(s) {
				set[s] = true
			}
			return true
		})
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// goConsts returns the string constants declared in a package's non-test
// files.
func goConsts(t *testing.T, dir string) map[string]string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, s := range g.Specs {
						vs := s.(*ast.ValueSpec)
						for i, name := range vs.Names {
							if i < len(vs.Values) {
								if s, ok := stringLit(vs.Values[i]); ok {
									out[name.Name] = s
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// stringLit returns the value of n if n is a string literal.
func stringLit(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// lambdaWritten reports whether cmd/ingest-normalize has non-test Go files.
func lambdaWritten(root string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "cmd", "ingest-normalize", "*.go"))
	return slices.ContainsFunc(files, func(f string) bool { return !strings.HasSuffix(f, "_test.go") })
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
