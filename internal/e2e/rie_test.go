package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rie is one Lambda Runtime Interface Emulator process running the Lambda;
// it serves one invocation at a time.
type rie struct {
	t    *testing.T
	name string
	url  string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startRIE starts an emulator in its own process group; t.Cleanup kills
// the group and, if the test failed, prints the tail of its log.
func startRIE(t *testing.T, name, bootstrap, rieBin string, env []string) *rie {
	t.Helper()
	ports := freePorts(t, 2)
	r := &rie{t: t, name: name, url: "http://" + ports[0], log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logf, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(rieBin, "--runtime-interface-emulator-address", ports[0], "--runtime-api-address", ports[1], bootstrap)
	r.cmd.Env = append(baseEnv(), env...)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); logf.Close(); close(r.done) }()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("%s log (tail):\n%s", name, tail(r.log, 4000))
		}
	})
	waitListening(t, ports[0])
	return r
}

// kill sends SIGKILL to the group of each of the emulator's descendants
// (the RIE starts the Lambda in a process group of its own), gives the RIE
// a moment to reap them, then kills the emulator's own group and waits for
// it to exit.
func (r *rie) kill() {
	if r.cmd.Process != nil {
		below := descendants(r.cmd.Process.Pid)
		for _, pid := range below {
			_ = syscall.Kill(-pid, syscall.SIGKILL) // the group it leads, if any
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline) && alive(below); {
			time.Sleep(10 * time.Millisecond)
		}
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		r.t.Errorf("%s did not exit after SIGKILL", r.name)
	}
}

// alive reports whether one of pids still exists (zombies included).
func alive(pids []int) bool {
	for _, pid := range pids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			return true
		}
	}
	return false
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		data, err := os.ReadFile(f)
		i := bytes.LastIndexByte(data, ')')
		if err != nil || i < 0 {
			continue
		}
		var self, ppid int
		var state string
		fmt.Sscan(filepath.Base(filepath.Dir(f)), &self)
		if _, err := fmt.Sscan(string(data[i+1:]), &state, &ppid); err == nil {
			parent[self] = ppid
		}
	}
	var out []int
	for frontier := []int{pid}; len(frontier) > 0; {
		next := frontier[0]
		frontier = frontier[1:]
		for child, p := range parent {
			if p == next {
				out = append(out, child)
				frontier = append(frontier, child)
			}
		}
	}
	return out
}

// baseEnv keeps what the Go toolchain and the RIE need from the test's
// environment and drops any AWS setting, so that only the stack's apply.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// response is an invocation's outcome.
type response struct {
	body    []byte
	fields  map[string]any // flattened scalar fields
	elapsed time.Duration
	err     error
}

// invoke posts the event and returns the response; a handler error (HTTP
// 200 with errorType) is an error.
func (r *rie) invoke(ctx context.Context, event string) response {
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/2015-03-31/functions/function/invocations", strings.NewReader(event))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{err: fmt.Errorf("%s: %w", r.name, err), elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	out := response{body: body, elapsed: time.Since(start), fields: map[string]any{}}
	var v any
	switch {
	case err != nil:
		out.err = err
	case resp.StatusCode != http.StatusOK:
		out.err = fmt.Errorf("%s: %s: %s", r.name, resp.Status, body)
	case json.Unmarshal(body, &v) != nil:
		out.err = fmt.Errorf("%s: response is not JSON: %.300s", r.name, body)
	default:
		flatten("", v, out.fields)
		if _, failed := out.fields["errorType"]; failed {
			out.err = fmt.Errorf("%s: handler error: %s", r.name, body)
		}
	}
	return out
}

func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, x := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		flatten(k, x, out)
	}
}

// count returns the first numeric field whose last path element is one of
// names, and whether there is one.
func (r response) count(names ...string) (int, bool) {
	for k, v := range r.fields {
		last := k[strings.LastIndex(k, ".")+1:]
		for _, n := range names {
			if f, ok := v.(float64); ok && last == n {
				return int(f), true
			}
		}
	}
	return 0, false
}

func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return string(bytes.TrimSpace(data))
}
