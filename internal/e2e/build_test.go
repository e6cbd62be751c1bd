package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rieVersion is the Lambda Runtime Interface Emulator the tests run.
const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

var (
	binDir string // shared by the tests of this package; removed by TestMain
	build  struct {
		once           sync.Once
		bootstrap, rie string
		err            error
	}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ingest-normalize-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binaries builds the Lambda and finds or installs the RIE, once.
func binaries(t *testing.T) (bootstrap, rie string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "cmd", "ingest-normalize", "main.go")); err != nil {
		t.Skip("cmd/ingest-normalize/main.go does not exist yet")
	}
	build.once.Do(func() {
		build.bootstrap = filepath.Join(binDir, "bootstrap")
		build.err = goCmd(root, nil, "build", "-tags", "lambda.norpc", "-o", build.bootstrap, "./cmd/ingest-normalize")
		if build.err == nil {
			build.rie, build.err = findRIE(root)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bootstrap, build.rie
}

// findRIE looks in .local/bin, GOPATH/bin and PATH, then installs.
func findRIE(root string) (string, error) {
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	for _, dir := range []string{filepath.Join(root, ".local", "bin"), filepath.Join(strings.TrimSpace(string(gopath)), "bin")} {
		if p := filepath.Join(dir, "aws-lambda-rie"); executable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	gobin := filepath.Join(binDir, "gobin")
	err := goCmd(root, []string{"GOBIN=" + gobin}, "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+rieVersion)
	return filepath.Join(gobin, "aws-lambda-rie"), err
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func goCmd(dir string, env []string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// moduleRoot is the directory holding go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "go.mod"))
	}
	if err != nil {
		t.Fatal(errors.Join(errors.New("e2e: module root not found"), err))
	}
	return root
}
