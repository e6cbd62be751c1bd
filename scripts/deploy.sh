#!/usr/bin/env bash
# deploy.sh deploys the coordination stack (once per account and region) or
# the runtime stack of one environment.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/deploy.sh [options] coordination
       scripts/deploy.sh [options] ENV          (ENV: dev, stage or prod)

coordination  deploys infra/s0-coordination.yaml, the DynamoDB coordination
              table shared by every environment of the account and region
              (stack vectora-inbox-s0-coordination). Once per account/region.
ENV           packages the Lambda (scripts/package.sh, unless --zip), uploads
              it to the CodeBucket of infra/params/ENV.json under the
              content-addressed key ingest-normalize/<sha256>.zip, then runs
              `aws cloudformation deploy` of infra/s1-runtime.yaml (stack
              vectora-inbox-s1-runtime-ENV) with the parameters of
              infra/params/ENV.json plus CodeKey.

The params files use CloudFormation's [{"ParameterKey","ParameterValue"}]
format, which AWS CLI v2 accepts as `--parameter-overrides file://…`; this
script passes them as Key=Value pairs instead, which CLI v1 and v2 both take
and which lets it add CodeKey.

Options:
  --dry-run        print the aws commands instead of running them (no AWS
                   access needed; the package is still built unless --zip)
  --zip PATH       deploy this zip instead of building one
  --region REGION  passed to aws (default: the CLI's configuration)
  --profile NAME   passed to aws (default: the CLI's configuration)
  --stack NAME     stack name (default: vectora-inbox-s0-coordination or
                   vectora-inbox-s1-runtime-ENV)
  --alarm-email A  ENV: subscribe A to the stack's alarm topic (AlarmEmail)
  --create-buckets ENV: the stack creates the data and config buckets
                   (CreateBuckets=true; they are kept if the stack is deleted)
  -h, --help       show this help
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dry_run=false
zip=""
stack=""
aws_opts=()
extra=()
target=""
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--dry-run) dry_run=true; shift ;;
	--zip) zip=${2:?--zip needs a path}; shift 2 ;;
	--region) aws_opts+=(--region "${2:?--region needs a region}"); shift 2 ;;
	--profile) aws_opts+=(--profile "${2:?--profile needs a name}"); shift 2 ;;
	--stack) stack=${2:?--stack needs a name}; shift 2 ;;
	--alarm-email) extra+=("AlarmEmail=${2:?--alarm-email needs an address}"); shift 2 ;;
	--create-buckets) extra+=(CreateBuckets=true); shift ;;
	-*) echo "deploy.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	*)
		[[ -z $target ]] || { echo "deploy.sh: one target only" >&2; exit 2; }
		target=$1; shift ;;
	esac
done
[[ -n $target ]] || { usage >&2; exit 2; }

# run prints the command, then runs it unless --dry-run.
run() {
	printf '%q ' "$@" | sed 's/ $//'
	echo
	$dry_run || "$@"
}

# overrides prints the Key=Value pairs of a params file, one a line.
overrides() {
	python3 - "$1" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    print(f"{p['ParameterKey']}={p['ParameterValue']}")
PY
}

# param prints one parameter's value from a params file.
param() {
	python3 - "$1" "$2" <<'PY'
import json, sys
vals = [p["ParameterValue"] for p in json.load(open(sys.argv[1])) if p["ParameterKey"] == sys.argv[2]]
if not vals:
    sys.exit(f"deploy.sh: {sys.argv[1]} sets no {sys.argv[2]}")
print(vals[0])
PY
}

deploy_coordination() {
	local args=(aws "${aws_opts[@]}" cloudformation deploy
		--template-file "$root/infra/s0-coordination.yaml"
		--stack-name "${stack:-vectora-inbox-s0-coordination}"
		--no-fail-on-empty-changeset)
	local file="$root/infra/params/coordination.json"
	if [[ -f $file ]]; then
		local kv
		mapfile -t kv < <(overrides "$file")
		((${#kv[@]} == 0)) || args+=(--parameter-overrides "${kv[@]}")
	fi
	run "${args[@]}"
}

deploy_env() {
	local env=$1 file="$root/infra/params/$1.json"
	[[ -f $file ]] || { echo "deploy.sh: no $file" >&2; exit 2; }
	if [[ -z $zip ]]; then
		zip=$("$root/scripts/package.sh")
	fi
	[[ -f $zip ]] || { echo "deploy.sh: no zip at $zip" >&2; exit 2; }
	local bucket key kv
	bucket=$(param "$file" CodeBucket)
	key="ingest-normalize/$(sha256sum "$zip" | cut -d' ' -f1).zip"
	mapfile -t kv < <(overrides "$file")

	# The key names the content, so an existing object is already this code.
	if $dry_run || ! aws "${aws_opts[@]}" s3api head-object --bucket "$bucket" --key "$key" >/dev/null 2>&1; then
		run aws "${aws_opts[@]}" s3 cp "$zip" "s3://$bucket/$key"
	fi
	run aws "${aws_opts[@]}" cloudformation deploy \
		--template-file "$root/infra/s1-runtime.yaml" \
		--stack-name "${stack:-vectora-inbox-s1-runtime-$env}" \
		--capabilities CAPABILITY_IAM \
		--no-fail-on-empty-changeset \
		--parameter-overrides "${kv[@]}" "${extra[@]}" "CodeKey=$key"
}

case $target in
coordination) deploy_coordination ;;
dev | stage | prod) deploy_env "$target" ;;
*) echo "deploy.sh: unknown target $target (coordination, dev, stage or prod)" >&2; exit 2 ;;
esac
