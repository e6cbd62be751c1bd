#!/usr/bin/env bash
# local-up.sh: start the local stack of ingest-normalize. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/local-up.sh [--rie N] [--help]

Builds the binaries into .local/bin (the Lambda as .local/bin/bootstrap with
-tags lambda.norpc, localstack, bedrock-emulator; installs aws-lambda-rie with
"go install" when missing), then starts on free 127.0.0.1 ports:
  - localstack: DynamoDB (minidyn) and S3 (gofakes3), with the coordination
    table and the data and config buckets;
  - bedrock-emulator, with a quota small enough that the original
    uncoordinated setup (3 invocations x 4 workers, max_tokens 1000) is
    throttled;
  - N Lambda Runtime Interface Emulators (default 3), each running the Lambda:
    one emulator serves one invocation at a time.
Writes .local/env (source it) and .local/pids; logs go to .local/logs.
Stop everything with scripts/local-down.sh. With LOCAL_STATE=DIR (absolute,
or relative to the repository) the env, pids, logs and outputs go to DIR
instead of .local, so that a second stack (make demo, make test) runs beside
yours without touching it; binaries stay in .local/bin.

Options:
  --rie N    number of RIE processes (concurrent invocations), default 3
  --help     this text

Environment (defaults in brackets): QUOTA_RPM [0: none, as Bedrock since
May 2026], QUOTA_TPM [60000],
TIME_SCALE [1: the wall clock; N runs the emulator's and the Lambda's
clocks N times faster, and their timestamps run ahead of the wall clock],
LEASE_TTL [60s], LEASE_MAX_HOLDERS [0: unlimited], WORKER_CAP [4], BEDROCK_MAX_TOKENS [400], LOG_LEVEL [info],
FUNCTION_TIMEOUT [120] (seconds, AWS_LAMBDA_FUNCTION_TIMEOUT of each RIE),
LAMBDA_PKG [./cmd/ingest-normalize] (the package built as bootstrap).

Then, for example (the README's "Running it locally"):
  source .local/env
  eval "$(scripts/seed-items.sh --shell)"     # SEED_FROM..SEED_TO: the sample's window
  event="{\"client_id\":\"demo\",\"from_date\":\"$SEED_FROM\",\"to_date\":\"$SEED_TO\",\"mode\":\"normalize\"}"
  curl -s "$RIE_URL_1/2015-03-31/functions/function/invocations" -d "$event"
  AWS_MAX_ATTEMPTS=1 aws lambda invoke --endpoint-url "$RIE_URL_2" --function-name function \
       --cli-binary-format raw-in-base64-out --cli-read-timeout 0 --payload "$event" out.json   # AWS CLI v2
USAGE
}

rie=3
while [[ $# -gt 0 ]]; do
	case "$1" in
	--rie) rie="${2:?--rie needs a number}"; shift 2 ;;
	--rie=*) rie="${1#--rie=}"; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "local-up: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[[ "$rie" =~ ^[1-9][0-9]*$ ]] || { echo "local-up: --rie wants a positive number, got $rie" >&2; exit 2; }

cd "$(dirname "$0")/.."
root=$PWD
local_dir=${LOCAL_STATE:-$root/.local}
[[ $local_dir == /* ]] || local_dir=$root/$local_dir
export LOCAL_STATE=$local_dir
bin=$root/.local/bin
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d

# A pids file whose processes are all gone is left over from a stack that
# was killed: it is stale, not running.
if [[ -s $local_dir/pids ]]; then
	live=false
	while read -r _ pid; do [[ -n ${pid:-} ]] && kill -0 -- "-$pid" 2>/dev/null && live=true; done <"$local_dir/pids"
	$live || { echo "local-up: removing the stale $local_dir/pids (its processes are gone)"; rm -f "$local_dir/pids" "$local_dir/env"; }
fi
if [[ -s $local_dir/pids ]]; then
	echo "local-up: a stack is already running ($local_dir/pids); stop it with LOCAL_STATE=$local_dir scripts/local-down.sh, or start another one with LOCAL_STATE=<dir>" >&2
	exit 1
fi
mkdir -p "$bin" "$local_dir/logs"

echo "local-up: building into .local/bin"
go build -o "$bin/localstack" ./cmd/localstack
go build -o "$bin/bedrock-emulator" ./cmd/bedrock-emulator
CGO_ENABLED=0 go build -tags lambda.norpc -o "$bin/bootstrap" "${LAMBDA_PKG:-./cmd/ingest-normalize}"
if [[ ! -x $bin/aws-lambda-rie ]]; then
	echo "local-up: installing aws-lambda-rie $RIE_VERSION"
	GOBIN=$bin go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
fi

# Settings of the stack. Quota: tokens only, as Bedrock meters them since
# May 2026. The uncoordinated original fires 12 calls at once, each
# reserving input (~1.7k) + max_tokens 1000 ~ 2.7k tokens, and keeps doing
# so: well over 60k tokens a minute.
region=${AWS_REGION:-eu-west-3}
model=${BEDROCK_MODEL_ID:-eu.anthropic.claude-sonnet-4-5-20250929-v1:0}
rpm=${QUOTA_RPM:-0}
tpm=${QUOTA_TPM:-60000}
scale=${TIME_SCALE:-1}
epoch=$(date +%s%3N) # unix ms: every Lambda counts scaled time from it
table=ingest-normalize-local
data_bucket=ingest-normalize-data
config_bucket=ingest-normalize-config

mapfile -t ports < <("$bin/localstack" ports -n $((3 + 2 * rie)))
pids=$local_dir/pids
: >"$pids"

# start NAME CMD...: runs CMD in its own process group (setsid), logs to
# .local/logs/NAME.log, records "NAME PID" in .local/pids.
start() {
	local name=$1; shift
	setsid "$@" >"$local_dir/logs/$name.log" 2>&1 </dev/null &
	echo "$name $!" >>"$pids"
}

# wait_port PORT NAME: waits until something listens on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "local-up: $2 did not open port $1; see $local_dir/logs/$2.log" >&2
	"$root/scripts/local-down.sh" >/dev/null 2>&1 || true
	exit 1
}

export AWS_REGION=$region AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
start localstack "$bin/localstack" serve -dynamodb "127.0.0.1:${ports[0]}" -s3 "127.0.0.1:${ports[1]}" \
	-table "$table" -buckets "$data_bucket,$config_bucket"
start bedrock-emulator "$bin/bedrock-emulator" -addr "127.0.0.1:${ports[2]}" -models "$model" \
	-rpm "$rpm" -tpm "$tpm" -time-scale "$scale"
wait_port "${ports[2]}" bedrock-emulator
for _ in $(seq 100); do grep -q '^localstack: dynamodb' "$local_dir/logs/localstack.log" && break; sleep 0.1; done
wait_port "${ports[1]}" localstack

lambda_env=(
	AWS_REGION="$region" AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
	AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${ports[0]}"
	AWS_ENDPOINT_URL_S3="http://127.0.0.1:${ports[1]}"
	AWS_ENDPOINT_URL_BEDROCK_RUNTIME="http://127.0.0.1:${ports[2]}"
	S3_FORCE_PATH_STYLE=true
	COORDINATION_TABLE="$table" DATA_BUCKET="$data_bucket" CONFIG_BUCKET="$config_bucket"
	ENV_NAME=local BEDROCK_MODEL_ID="$model" BEDROCK_MAX_TOKENS="${BEDROCK_MAX_TOKENS:-400}"
	QUOTA_RPM="$rpm" QUOTA_TPM="$tpm"
	LEASE_MAX_HOLDERS="${LEASE_MAX_HOLDERS:-0}" LEASE_TTL="${LEASE_TTL:-60s}"
	WORKER_CAP="${WORKER_CAP:-4}" LOG_LEVEL="${LOG_LEVEL:-info}"
	TIME_SCALE="$scale" TIME_EPOCH="$epoch"
	AWS_LAMBDA_FUNCTION_TIMEOUT="${FUNCTION_TIMEOUT:-120}"
)
rie_urls=()
for i in $(seq "$rie"); do
	p=${ports[$((1 + 2 * i))]} r=${ports[$((2 + 2 * i))]}
	start "rie-$i" env "${lambda_env[@]}" "$bin/aws-lambda-rie" \
		--runtime-interface-emulator-address "127.0.0.1:$p" --runtime-api-address "127.0.0.1:$r" "$bin/bootstrap"
	rie_urls+=("http://127.0.0.1:$p")
done
for i in $(seq "$rie"); do wait_port "${ports[$((1 + 2 * i))]}" "rie-$i"; done

{
	echo "# written by scripts/local-up.sh; source it"
	printf 'export LOCAL_STATE=%q\n' "$local_dir"
	for kv in "${lambda_env[@]}"; do
		case "$kv" in AWS_LAMBDA_FUNCTION_TIMEOUT=*) continue ;; esac
		printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
	done
	printf 'export AWS_DEFAULT_REGION=%q\n' "$region"
	printf 'export BEDROCK_EMULATOR_URL=%q\n' "http://127.0.0.1:${ports[2]}"
	printf 'export RIE_URLS="%s"\n' "${rie_urls[*]}"
	for i in $(seq "$rie"); do
		printf 'export RIE_PORT_%d=%s\nexport RIE_URL_%d=%s\n' "$i" "${ports[$((1 + 2 * i))]}" "$i" "${rie_urls[$((i - 1))]}"
	done
} >"$local_dir/env"

echo "local-up: dynamodb http://127.0.0.1:${ports[0]}  s3 http://127.0.0.1:${ports[1]}  bedrock http://127.0.0.1:${ports[2]} ($tpm TPM, $rpm RPM (0: none), time scale $scale)"
echo "local-up: $rie RIE(s): ${rie_urls[*]}"
if [[ $local_dir == "$root/.local" ]]; then
	echo "local-up: source .local/env; stop with scripts/local-down.sh"
else
	echo "local-up: source $local_dir/env; stop with LOCAL_STATE=$local_dir scripts/local-down.sh"
fi
