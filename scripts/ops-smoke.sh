#!/usr/bin/env bash
# ops-smoke.sh: the operations scripts against the local stack, end to end.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/ops-smoke.sh [--help]

Runs what an operator runs, against a local stack of its own
(scripts/local-up.sh with three Runtime Interface Emulators and
LOCAL_STATE=.local/ops-smoke: a stack you run in .local is left alone): seeds the sample items, fires
`invoke.sh local 3`, reads the table with `inspect.sh local`, counts
throttles with `throttles.sh local`, lowers this environment's budget with
`leasectl set-budget` and checks that the next invocation obeys the new
row, runs `scripts/demo.sh` beside it (with 12 items) and checks that this
stack still runs and answers, then stops the stack it started. `make test` runs it. Exits non-zero on the
first step that fails.
USAGE
}
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) echo "ops-smoke: unknown argument $1" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
export LOCAL_STATE=$PWD/.local/ops-smoke TIME_SCALE=${TIME_SCALE:-4}
started=false
trap 'if $started; then scripts/local-down.sh >/dev/null 2>&1 || true; fi' EXIT
scripts/local-up.sh --rie 3 >/dev/null
started=true
source "$LOCAL_STATE/env"
eval "$(.local/bin/localstack seed -bucket "$DATA_BUCKET" -client ops -n 24 -shell)"
event=$(printf '{"client_id":"ops","from_date":"%s","to_date":"%s"}' "$SEED_FROM" "$SEED_TO")

echo "== invoke.sh local 3"
scripts/invoke.sh local 3 "$event"
echo "== inspect.sh local leases"
scripts/inspect.sh local leases
echo "== throttles.sh local"
scripts/throttles.sh local
echo "== leasectl set-budget, then a forced run obeys the new row"
quota="$AWS_REGION/$BEDROCK_MODEL_ID"
.local/bin/leasectl set-budget --quota "$quota" --tpm 30000
scripts/inspect.sh local budget
forced=$(printf '{"client_id":"ops","from_date":"%s","to_date":"%s","force_reprocess":true,"max_items":4}' "$SEED_FROM" "$SEED_TO")
scripts/invoke.sh local 1 "$forced"
.local/bin/leasectl --json budget --quota "$quota" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
rows = rows if isinstance(rows, list) else rows.get("budgets", [rows])
tpm = [r.get("tpm") or r.get("TPM") for r in rows]
assert 30000 in tpm, f"budget row not updated: {tpm}"
print("ops-smoke: the running stack reads the new TPM", tpm)'
echo "== make demo beside this stack leaves it running (issue 15, item 3)"
DEMO_ITEMS=12 scripts/demo.sh >"$LOCAL_STATE/demo.log" 2>&1 || { cat "$LOCAL_STATE/demo.log"; exit 1; }
tail -n 3 "$LOCAL_STATE/demo.log"
while read -r name pid; do
	kill -0 -- "-$pid" 2>/dev/null || { echo "ops-smoke: the demo stopped $name of this stack" >&2; exit 1; }
done <"$LOCAL_STATE/pids"
scripts/invoke.sh local 1 "$event" >/dev/null || { echo "ops-smoke: this stack no longer answers after the demo" >&2; exit 1; }
echo "ops-smoke: ok"
