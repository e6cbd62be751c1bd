#!/usr/bin/env bash
# chaos.sh — run the fault, skew and hostile-input suite (issue 7) and print
# the invariant figures. Called by `make chaos`.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/chaos.sh [--short] [--fuzz SECONDS] [--help]

Runs internal/chaos (DynamoDB faults through internal/faultproxy, applied-but-
reported-failed writes, transaction conflicts, held requests, clock skew,
Bedrock faults, hostile inputs, porcupine checks of lease histories) with the
race detector and the long settings (CHAOS_LONG=1: more contenders, items and
rounds), then the crash and conflict tests of internal/e2e when they can run,
and prints a report of the figures: items lost, normalized twice, max live
holders seen, budget max window vs bound, hostile inputs rejected, lease
histories checked for linearizability and violations found (0; the
fence-only variant: 1), and for the acceptance test of issue 12 the
conflicts, holds and applied-then-500 writes injected and survived,
responses with an error and day files missing items.

  --short         the settings of `go test ./...` instead of the long ones
  --fuzz SECONDS  also run every fuzz target for SECONDS each
  --help          this text
USAGE
}

long=1 fuzz=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --short) long=0 ;;
    --fuzz) fuzz="${2:?--fuzz needs seconds}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "chaos.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
report="$(mktemp)"
trap 'rm -f "$report"' EXIT

status=0
CHAOS_LONG="$long" CHAOS_REPORT="$report" go test -race -count=1 -timeout 20m ./internal/chaos ./internal/faultproxy ./internal/linearize ./cmd/ddb-faultproxy || status=$?
if [[ -d internal/e2e && "$long" == 1 ]]; then
  CHAOS_LONG=1 CHAOS_REPORT="$report" go test -count=1 -v -timeout 15m -run 'Killed|Concurrent|Conflicts|Frozen|Deadline' ./internal/e2e | grep -E '^(---|ok|FAIL)|killed|K=' || status=$?
fi
if [[ "$fuzz" != 0 ]]; then
  for target in "FuzzParseEvent ./normalize/item" "FuzzParseItems ./normalize/item" "FuzzParseAnswer ./normalize" \
                "FuzzBuildPrompt ./normalize" \
                "FuzzLoadConfig ./cmd/ingest-normalize" "FuzzParseRequest ./bedrock/emulator" \
                "FuzzParseFeed ./ingest" "FuzzParsePage ./ingest" "FuzzParseCatalog ./ingest"; do
    read -r name pkg <<<"$target"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "${fuzz}s" "$pkg" || status=$?
  done
fi

echo
echo "== chaos report ($( [[ $long == 1 ]] && echo long || echo short ) settings) =="
if command -v jq >/dev/null 2>&1 && [[ -s "$report" ]]; then
  jq -r '
    def f(k): if has(k) then "\(k)=\(.[k] | tostring)" else empty end;
    [.test, f("items"), f("lost"), f("duplicate_records"), f("max_holders"), f("max_believers"),
     f("max_live_seen"), f("budget_max_window"), f("budget_bound"), f("hostile_events"),
     f("hostile_items"), f("bad_items_skipped"), f("hostile_settings"), f("rejected"),
     f("starved"), f("stale_holder_trusts"), f("stale_write_refused"), f("margin_s"),
     f("histories_checked"), f("violations"), f("undecided"), f("operations"), f("unknown_outcomes"),
     f("conflicts_injected"), f("stalls_injected"), f("ambiguous_injected"), f("token_replays"),
     f("mutants_caught"), f("overlaps"), f("fence_only_takeover"), f("violation_detected"), f("normalized_twice"),
     f("responses_with_error"), f("day_files_missing_items")] | join("  ")' "$report"
elif [[ -s "$report" ]]; then
  cat "$report"
else
  echo "(no figures recorded)"
fi
exit "$status"
