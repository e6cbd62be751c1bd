#!/usr/bin/env bash
# demo.sh: three concurrent Lambda invocations over one batch, locally. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/demo.sh [--help]

Starts a local stack of its own with three Lambda Runtime Interface
Emulators (scripts/local-up.sh with LOCAL_STATE=.local/demo, beside any
stack you run in .local, which it never touches), seeds the 60 sample items, fires three concurrent
invocations over the same client and window, prints a progress line per
invocation while they run, then a summary: each invocation's response, the
Bedrock emulator's counters (calls, throttles), the lease table, the
records written and one of them. An invocation is named the same way
everywhere: "invocation" and the first eight characters of its request id
(its lease holder). What it started is stopped on exit. Needs Go; takes about
a minute: its clocks run 4 times faster (TIME_SCALE=4; the timestamps it
shows run ahead of the wall clock). Environment variables of local-up.sh
apply (QUOTA_RPM, TIME_SCALE…); DEMO_ITEMS=N seeds only N of the sample
items.
USAGE
}
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) echo "demo: unknown argument $1" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
export LOCAL_STATE=$PWD/.local/demo TIME_SCALE=${TIME_SCALE:-4}
watcher="" started=false
cleanup() {
	[[ -n $watcher ]] && kill "$watcher" 2>/dev/null || true
	# Only the stack this run started: local-up refuses to start over a
	# running one, and that one is not ours to stop.
	if $started; then scripts/local-down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
scripts/local-up.sh --rie 3
started=true
# shellcheck source=/dev/null
source "$LOCAL_STATE/env"
ls=.local/bin/localstack
out=$LOCAL_STATE/out
rm -rf "$out" && mkdir -p "$out"

eval "$($ls seed -bucket "$DATA_BUCKET" -client demo -n "${DEMO_ITEMS:-0}" -shell)"
event=$(printf '{"client_id":"demo","from_date":"%s","to_date":"%s"}' "$SEED_FROM" "$SEED_TO")
rpm="$QUOTA_RPM RPM"; [[ $QUOTA_RPM == 0 ]] && rpm="no RPM"
echo "demo: seeded $SEED_ITEMS sample items ($SEED_FROM..$SEED_TO); quota $QUOTA_TPM TPM, $rpm, at time scale $TIME_SCALE"
echo "demo: uncoordinated, 3 invocations x 4 workers with max_tokens 1000 would reserve ~32k tokens at once, twice what Bedrock's 15 s burst holds, and keep going: throttled"
echo "demo: invoking 3 times at once with $event"

inspect=(-table "$COORDINATION_TABLE" -bucket "$DATA_BUCKET" -client demo -bedrock "$BEDROCK_EMULATOR_URL")
$ls inspect "${inspect[@]}" -watch 3s &
watcher=$!
invokes=()
for i in 1 2 3; do
	url_var=RIE_URL_$i
	$ls invoke -name "RIE $i" -url "${!url_var}" -payload "$event" -out "$out/response-$i.json" &
	invokes+=($!)
done
failed=0
for pid in "${invokes[@]}"; do wait "$pid" || failed=1; done
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
watcher=""

echo
echo "=== summary ($((SECONDS - start)) s) ==="
$ls inspect "${inspect[@]}" -responses "$out/response-1.json,$out/response-2.json,$out/response-3.json"
echo "logs: $LOCAL_STATE/logs (kept); responses: $out"
exit $failed
