package linearize_test

import (
	"fmt"

	"github.com/anishathalye/porcupine"
	"github.com/vectora/ingest-normalize/internal/linearize"
)

// A takeover that removes an entry its holder has just renewed cannot be
// placed in any order consistent with the scope: the check says Illegal.
func ExampleCheck() {
	const sec = 1_000_000 // µs
	op := func(client int, in linearize.Input, out linearize.Output, call, ret int64) porcupine.Operation {
		in.Scope, in.Call, in.Return = "scope#dev", call, ret
		return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
	}
	history := []porcupine.Operation{
		op(0, linearize.Input{Kind: linearize.Acquire, Holder: "a", Fence: 1, Expires: 30 * sec}, linearize.OK, 0, 1),
		op(0, linearize.Input{Kind: linearize.Renew, Holder: "a", Fence: 1, Expires: 54 * sec}, linearize.OK, 24*sec, 33*sec),
		op(1, linearize.Input{Kind: linearize.Acquire, Holder: "b", Fence: 2, Expires: 63 * sec,
			Removes: []linearize.Removal{{ID: "a", Expires: 30 * sec}}}, linearize.OK, 33*sec+1, 33*sec+2),
	}
	spec := linearize.Spec{MaxHolders: 1}
	fmt.Println(linearize.Check(spec, history, 0).Verdict)
	fmt.Println(linearize.Check(spec, history[:2], 0).Verdict)
	// Output:
	// Illegal
	// Ok
}
