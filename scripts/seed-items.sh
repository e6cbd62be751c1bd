#!/usr/bin/env bash
# seed-items.sh: write raw items into the local data bucket. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/seed-items.sh [--client ID] [--real] [--n N] [--shell] [--help]

Writes items to ingested/<client>/<YYYY>/<MM>/<DD>/items.json in the data
bucket of the stack started by scripts/local-up.sh (reads .local/env):
the project's 60 sample items (internal/sample/items.jsonl, fictional
companies, five days), or with --real the real items of
../shared/data/*.jsonl (tests and benchmarks only; never copied into the
project). Prints the window to invoke with.

Options:
  --client ID  client id, default demo
  --real       load ../shared/data/*.jsonl instead of the sample
  --n N        at most N items (0: all)
  --shell      print the window as SEED_FROM=… SEED_TO=… SEED_ITEMS=… for eval
  --help       this text
USAGE
}

args=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--client) args+=(-client "${2:?--client needs a value}"); shift 2 ;;
	--n) args+=(-n "${2:?--n needs a value}"); shift 2 ;;
	--real) args+=(-real); shift ;;
	--shell) args+=(-shell); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "seed-items: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
state=${LOCAL_STATE:-.local}
[[ -f $state/env ]] || { echo "seed-items: no $state/env; run scripts/local-up.sh first" >&2; exit 1; }
# shellcheck source=/dev/null
source "$state/env"
exec .local/bin/localstack seed -bucket "$DATA_BUCKET" "${args[@]}"
