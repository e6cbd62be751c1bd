package linearize

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

const s = 1_000_000 // a second in µs

// op builds one operation of contender c on scope "scope#x".
func op(c int, in Input, out Output, call, ret int64) porcupine.Operation {
	in.Scope, in.Call, in.Return = "scope#x", call, ret
	return porcupine.Operation{ClientId: c, Input: in, Output: out, Call: call, Return: ret}
}

func TestModelVerdicts(t *testing.T) {
	spec := Spec{MaxHolders: 1}
	acqA := op(0, Input{Kind: Acquire, Holder: "a", Fence: 1, Expires: 30 * s}, OK, 0, 1)
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"acquire, renew, release, takeover after expiry", []porcupine.Operation{acqA,
			op(0, Input{Kind: Renew, Holder: "a", Fence: 1, Expires: 40 * s}, OK, 10*s, 10*s+1),
			op(0, Input{Kind: Write, Holder: "a", Fence: 1, Expires: 45 * s}, OK, 15*s, 15*s+1),
			op(1, Input{Kind: Acquire, Holder: "b", Fence: 2, Expires: 80 * s, Removes: []Removal{{"a", 45 * s}}}, OK, 50*s, 50*s+1),
			op(0, Input{Kind: Release, Holder: "a", Fence: 1}, Refused, 51*s, 51*s+1),
			op(0, Input{Kind: Write, Holder: "a", Fence: 1}, Refused, 52*s, 52*s+1),
		}, porcupine.Ok},
		{"two holders of a 1-holder scope", []porcupine.Operation{acqA,
			op(1, Input{Kind: Acquire, Holder: "b", Fence: 2, Expires: 40 * s}, OK, 10*s, 10*s+1),
		}, porcupine.Illegal},
		{"fence reused", []porcupine.Operation{acqA,
			op(0, Input{Kind: Release, Holder: "a", Fence: 1}, OK, 2, 3),
			op(1, Input{Kind: Acquire, Holder: "b", Fence: 1, Expires: 40 * s}, OK, 10*s, 10*s+1),
		}, porcupine.Illegal},
		{"renewal moves the expiry back", []porcupine.Operation{acqA,
			op(0, Input{Kind: Renew, Holder: "a", Fence: 1, Expires: 20 * s}, OK, 10*s, 10*s+1),
		}, porcupine.Illegal},
		{"write after expiry", []porcupine.Operation{acqA,
			op(0, Input{Kind: Write, Holder: "a", Fence: 1}, OK, 31*s, 31*s+1),
		}, porcupine.Illegal},
		{"takeover erases a renewal (scenario 1)", []porcupine.Operation{acqA,
			op(0, Input{Kind: Write, Holder: "a", Fence: 1, Expires: 54 * s}, OK, 24*s, 33*s),
			op(1, Input{Kind: Acquire, Holder: "b", Fence: 2, Expires: 63 * s, Removes: []Removal{{"a", 30 * s}}}, OK, 33*s+10, 33*s+20),
		}, porcupine.Illegal},
		{"the same, renewal unanswered: it may not have landed", []porcupine.Operation{acqA,
			op(0, Input{Kind: Write, Holder: "a", Fence: 1, Expires: 54 * s}, Unknown, 24*s, math.MaxInt64),
			op(1, Input{Kind: Acquire, Holder: "b", Fence: 2, Expires: 63 * s, Removes: []Removal{{"a", 30 * s}}}, OK, 33*s+10, 33*s+20),
		}, porcupine.Ok},
		{"refused renewal of a current entry", []porcupine.Operation{acqA,
			op(0, Input{Kind: Renew, Holder: "a", Fence: 1, Expires: 40 * s}, Refused, 10*s, 10*s+1),
		}, porcupine.Illegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Check(spec, tc.ops, 0).Verdict; got != tc.want {
				t.Errorf("verdict %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVisualizeAFailedHistory(t *testing.T) {
	ops := []porcupine.Operation{
		op(0, Input{Kind: Acquire, Holder: "a", Fence: 1, Expires: 30 * s}, OK, 0, 1),
		op(1, Input{Kind: Acquire, Holder: "b", Fence: 2, Expires: 40 * s}, OK, 10*s, 10*s+1),
	}
	res := Check(Spec{MaxHolders: 1}, ops, 0)
	path := filepath.Join(t.TempDir(), "h.html")
	if err := res.Visualize(path); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "acquire b f2") {
		t.Errorf("visualisation misses the operations: %v", err)
	}
}
