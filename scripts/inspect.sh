#!/usr/bin/env bash
# inspect.sh: leasectl against one environment. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/inspect.sh [--stack NAME] [--region R] ENV [LEASECTL ARGS...]

Runs cmd/leasectl against the coordination table of environment ENV:
  ENV=dev|stage|prod  the table named by the TableName output of stack
                      vectora-inbox-s1-runtime-ENV (or --stack); endpoint and
                      credentials from the AWS CLI/SDK configuration.
  ENV=local           the local stack: table, DynamoDB endpoint and the
                      Lambda's scaled clock from .local/env.
Without LEASECTL ARGS it prints leases, budgets and claims once
("leasectl watch --count 1"). Examples:
  scripts/inspect.sh local
  scripts/inspect.sh dev budget --json
  scripts/inspect.sh stage watch --interval 5s
  scripts/inspect.sh prod set-budget --quota eu-west-3/MODEL --tpm 400000
leasectl is built into .local/bin/leasectl. Exit status: leasectl's (0 ok,
1 error, 2 usage, 3 refused).
USAGE
}

# shellcheck source=scripts/stack-opts.sh
source "$(dirname "$0")/stack-opts.sh"
stack_opts inspect.sh "$@"
shift "$nopts"
[[ $# -ge 1 ]] || { usage >&2; exit 2; }
env=$1; shift
[[ $# -gt 0 ]] || set -- watch --count 1

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.local/bin"
(cd "$root" && go build -o .local/bin/leasectl ./cmd/leasectl)

if [[ $env == local ]]; then
	state=${LOCAL_STATE:-$root/.local}
	[[ -f $state/env ]] || { echo "inspect.sh: no $state/env: run scripts/local-up.sh first" >&2; exit 1; }
	# shellcheck disable=SC1091
	source "$state/env"
else
	COORDINATION_TABLE=$(aws "${aws_opts[@]}" cloudformation describe-stacks --stack-name "${stack:-vectora-inbox-s1-runtime-$env}" \
		--query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)
	[[ -n $COORDINATION_TABLE && $COORDINATION_TABLE != None ]] ||
		{ echo "inspect.sh: no TableName output on the stack of $env" >&2; exit 1; }
	export COORDINATION_TABLE
	unset TIME_SCALE TIME_EPOCH
fi
exec "$root/.local/bin/leasectl" "$@"
