#!/usr/bin/env bash
# invoke.sh: N parallel invocations of ingest-normalize. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/invoke.sh [--stack NAME] [--region R] ENV N [EVENT_JSON | @FILE]

Runs N invocations of the ingest-normalize Lambda of environment ENV at once
(the lease and the shared budget make that safe), then prints one line per
invocation from its response: ok, fallback, failed, already_done, peers,
remaining, Bedrock calls and throttles, lease wait, lost lease, then its
message (which says, for instance, that the items left as remaining are in
progress by peers).

  ENV=dev|stage|prod  on AWS: "aws lambda invoke" of the function named by
                      the FunctionName output of stack
                      vectora-inbox-s1-runtime-ENV (or --stack).
  ENV=local           against the Runtime Interface Emulators of the local
                      stack (RIE_URLS in .local/env, written by
                      scripts/local-up.sh) with curl; one RIE serves one
                      invocation at a time, so invocations beyond the number
                      of RIEs queue on them.

EVENT_JSON defaults to {"client_id":"demo","from_date":"2026-11-23","to_date":"2026-11-27"}.
Responses are kept in $OUT_DIR (default a temporary directory, printed).
Exit status: 0 when every invocation answered without a function error,
1 otherwise, 2 on bad arguments.
USAGE
}

# shellcheck source=scripts/stack-opts.sh
source "$(dirname "$0")/stack-opts.sh"
stack_opts invoke.sh "$@"
shift "$nopts"
[[ $# -ge 2 && $# -le 3 ]] || { usage >&2; exit 2; }
env=$1 n=$2
event=${3:-'{"client_id":"demo","from_date":"2026-11-23","to_date":"2026-11-27"}'}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "invoke.sh: N must be a positive number, got $n" >&2; exit 2; }
if [[ $event == @* ]]; then event=$(<"${event#@}"); fi
python3 -c 'import json,sys; json.loads(sys.argv[1])' "$event" 2>/dev/null ||
	{ echo "invoke.sh: EVENT is not valid JSON: $event" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:-$(mktemp -d -t invoke.XXXXXX)}
mkdir -p "$out"

# invoke_local I URL: one invocation through a RIE.
invoke_local() {
	curl -sS --max-time 900 -o "$out/$1.json" -w '%{http_code}' \
		"$2/2015-03-31/functions/function/invocations" -d "$event" >"$out/$1.status" 2>"$out/$1.err" ||
		echo "curl failed: $(cat "$out/$1.err")" >"$out/$1.err"
}

# invoke_aws I FUNCTION: one invocation through the AWS CLI. No read
# timeout and one attempt: the CLI would otherwise give up on a long
# invocation after 60 s and send it again.
invoke_aws() {
	local fmt=()
	if aws --version 2>&1 | grep -q '^aws-cli/2'; then fmt=(--cli-binary-format raw-in-base64-out); fi
	AWS_MAX_ATTEMPTS=1 aws "${aws_opts[@]}" lambda invoke --function-name "$2" "${fmt[@]}" --payload "$event" \
		--cli-read-timeout 0 "$out/$1.json" >"$out/$1.meta" 2>"$out/$1.err" || true
}

if [[ $env == local ]]; then
	state=${LOCAL_STATE:-$root/.local}
	[[ -f $state/env ]] || { echo "invoke.sh: no $state/env: run scripts/local-up.sh first" >&2; exit 1; }
	# shellcheck disable=SC1091
	source "$state/env"
	read -r -a urls <<<"${RIE_URLS:?RIE_URLS missing from .local/env}"
	k=${#urls[@]}
	for ((r = 0; r < k && r < n; r++)); do
		( for ((i = r + 1; i <= n; i += k)); do invoke_local "$i" "${urls[$r]}"; done ) &
	done
else
	fn=$(aws "${aws_opts[@]}" cloudformation describe-stacks --stack-name "${stack:-vectora-inbox-s1-runtime-$env}" \
		--query "Stacks[0].Outputs[?OutputKey=='FunctionName'].OutputValue" --output text)
	[[ -n $fn && $fn != None ]] || { echo "invoke.sh: no FunctionName output on the stack of $env" >&2; exit 1; }
	for ((i = 1; i <= n; i++)); do invoke_aws "$i" "$fn" & done
fi
wait
echo "invoke.sh: $n invocation(s) of $env; responses in $out"

python3 - "$out" "$n" <<'PY'
import json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
bad = 0
def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""
for i in range(1, n + 1):
    body, err = read(f"{out}/{i}.json"), read(f"{out}/{i}.err")
    meta = read(f"{out}/{i}.meta")
    try:
        r = json.loads(body) if body else None
    except ValueError:
        r = None
    if meta and json.loads(meta).get("FunctionError"):
        r = None
    if not isinstance(r, dict) or "counts" not in r:
        bad += 1
        msg = (r or {}).get("errorMessage") if isinstance(r, dict) else None
        kind = (r or {}).get("errorType", "") if isinstance(r, dict) else ""
        print(f"#{i} ERROR {kind} {msg or err or body or 'no response'}"[:300])
        continue
    c, b, l = r["counts"], r.get("bedrock", {}), r.get("lease", {})
    print(f"#{i} ok={c.get('ok',0)} fallback={c.get('fallback',0)} failed={c.get('failed',0)} "
          f"already_done={c.get('already_done',0)} peers={c.get('peers',0)} remaining={c.get('remaining',0)} "
          f"calls={b.get('calls',0)} throttles={b.get('throttles',0)} budget_wait_ms={b.get('budget_wait_ms',0)} "
          f"lease_wait_ms={l.get('wait_ms',0)} fence={l.get('fence','-')} "
          f"lost={'yes' if l.get('lost') else 'no'} duration_ms={r.get('duration_ms',0)} run={r.get('run_key','')}")
    if r.get("message"):
        print(f"   {r['message']}")
sys.exit(1 if bad else 0)
PY
