#!/usr/bin/env bash
# throttles.sh: throttles and failures of one environment. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/throttles.sh [--stack NAME] [--region R] ENV [SINCE]

Counts Bedrock calls, throttles and retries, failed items and lost leases of
environment ENV over the last SINCE (default 1h; s, m, h or d, e.g. 30m, 2d).
  ENV=dev|stage|prod  sums of the Embedded Metric Format metrics (namespace
                      IngestNormalize, dimensions Environment and Model; the
                      model from the stack's ModelId parameter) with
                      "aws cloudwatch get-metric-statistics".
  ENV=local           reads the invocation summary lines (and EMF lines, when
                      present) in the RIE logs of the local stack
                      (.local/logs/rie-*.log) written since SINCE.
Exit status: 0 (counts printed), 1 error, 2 bad arguments.
USAGE
}

# shellcheck source=scripts/stack-opts.sh
source "$(dirname "$0")/stack-opts.sh"
stack_opts throttles.sh "$@"
shift "$nopts"
[[ $# -ge 1 && $# -le 2 ]] || { usage >&2; exit 2; }
env=$1 since=${2:-1h}
[[ $since =~ ^([0-9]+)([smhd])$ ]] || { echo "throttles.sh: SINCE must look like 30m, 1h or 2d, got $since" >&2; exit 2; }
case ${BASH_REMATCH[2]} in s) mult=1 ;; m) mult=60 ;; h) mult=3600 ;; d) mult=86400 ;; esac
seconds=$((BASH_REMATCH[1] * mult))
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ $env == local ]]; then
	shopt -s nullglob
	state=${LOCAL_STATE:-$root/.local}
	logs=("$state"/logs/rie-*.log)
	[[ ${#logs[@]} -gt 0 ]] || { echo "throttles.sh: no RIE logs under $state/logs: run scripts/local-up.sh" >&2; exit 1; }
	exec python3 - "$seconds" "${logs[@]}" <<'PY'
import json, sys, time
from datetime import datetime
since = time.time() - int(sys.argv[1])
keys = ["calls", "throttles", "retries", "ok", "fallback", "failed", "lease_lost"]
summ, emf = dict.fromkeys(keys, 0), dict.fromkeys(keys, 0)
n_summ = n_emf = 0
def when(s):
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return 0
for path in sys.argv[2:]:
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if "_aws" in r and r["_aws"].get("Timestamp", 0) / 1000 >= since:
            n_emf += 1
            for k, m in zip(keys, ["BedrockCalls", "BedrockThrottles", "BedrockRetries", "ItemsOk", "ItemsFallback", "ItemsFailed", "LeaseLost"]):
                emf[k] += r.get(m, 0)
        elif r.get("msg") == "summary" and when(r.get("time")) >= since:
            n_summ += 1
            b, c, l = r.get("bedrock", {}), r.get("counts", {}), r.get("lease", {})
            for k, v in [("calls", b.get("calls", 0)), ("throttles", b.get("throttles", 0)),
                         ("retries", max(b.get("attempts", 0) - b.get("calls", 0), 0)), ("ok", c.get("ok", 0)),
                         ("fallback", c.get("fallback", 0)), ("failed", c.get("failed", 0)), ("lease_lost", 1 if l.get("lost") else 0)]:
                summ[k] += v
print(f"local, last {sys.argv[1]}s: {n_summ} invocation summaries: " + " ".join(f"{k}={summ[k]}" for k in keys))
if n_emf:
    print(f"local, last {sys.argv[1]}s: {n_emf} EMF lines:            " + " ".join(f"{k}={emf[k]}" for k in keys))
PY
fi

name=${stack:-vectora-inbox-s1-runtime-$env}
model=$(aws "${aws_opts[@]}" cloudformation describe-stacks --stack-name "$name" \
	--query "Stacks[0].Parameters[?ParameterKey=='ModelId'].ParameterValue" --output text)
[[ -n $model && $model != None ]] || { echo "throttles.sh: no ModelId parameter on stack $name" >&2; exit 1; }
end=$(date -u +%s)
start=$((end - seconds))
period=$(((seconds + 59) / 60 * 60))
line="$env ($model), last $since:"
for metric in BedrockCalls BedrockThrottles BedrockRetries ItemsOk ItemsFallback ItemsFailed LeaseLost; do
	sum=$(aws "${aws_opts[@]}" cloudwatch get-metric-statistics --namespace IngestNormalize --metric-name "$metric" \
		--dimensions "Name=Environment,Value=$env" "Name=Model,Value=$model" \
		--start-time "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" --end-time "$(date -u -d "@$end" +%Y-%m-%dT%H:%M:%SZ)" \
		--period "$period" --statistics Sum --query 'sum(Datapoints[].Sum)' --output text)
	[[ $sum == None || -z $sum ]] && sum=0
	line+=" $metric=${sum%.0}"
done
echo "$line"
