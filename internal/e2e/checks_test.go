package e2e

import (
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/inspect"
)

// checkNothingDone checks that an invocation over finished items made no
// Bedrock call, rewrote no record and said so in its response.
func checkNothingDone(t *testing.T, st *stack, recs inspect.Records, calls emulator.Calls, r response) {
	t.Helper()
	if now := st.calls(); now.Admitted != calls.Admitted || now.Throttled() != calls.Throttled() {
		t.Errorf("bedrock calls went from %d to %d", calls.Admitted, now.Admitted)
	}
	checkUnchanged(t, recs, st.records())
	if n, ok := r.count("claimed"); ok && n != 0 {
		t.Errorf("claimed = %d, want 0", n)
	}
	if n, ok := r.count("ok"); ok && n != 0 {
		t.Errorf("ok = %d, want 0", n)
	}
	if !saysNothingToDo(r) {
		t.Errorf("the response does not say that every item was already done: %s", r.body)
	}
}

// saysNothingToDo: a count of items already done or skipped equal to all
// the items, or a message saying there was nothing to do.
func saysNothingToDo(r response) bool {
	for k, v := range r.fields {
		last := strings.ToLower(k[strings.LastIndex(k, ".")+1:])
		switch x := v.(type) {
		case float64:
			if int(x) == itemCount && (strings.Contains(last, "already") || strings.Contains(last, "skipped") || last == "done") {
				return true
			}
		case string:
			s := strings.ToLower(x)
			if strings.Contains(s, "nothing") || strings.Contains(s, "already") {
				return true
			}
		}
	}
	return false
}

// checkUnchanged fails if a record of before was rewritten or removed in
// after.
func checkUnchanged(t *testing.T, before, after inspect.Records) {
	t.Helper()
	now := map[string]inspect.Record{}
	for _, r := range after.Items {
		now[r.Key] = r
	}
	for _, b := range before.Items {
		a, ok := now[b.Key]
		switch {
		case !ok:
			t.Errorf("record %s disappeared", b.Key)
		case a.ETag != b.ETag || !a.Modified.Equal(b.Modified) || a.Run != b.Run:
			t.Errorf("record %s was rewritten: holder %s fence %d -> holder %s fence %d",
				b.Key, b.Run.HolderID, b.Run.Fence, a.Run.HolderID, a.Run.Fence)
		}
	}
}
