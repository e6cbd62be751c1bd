#!/usr/bin/env bash
# readme-check.sh: the README's local commands, run as written. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/readme-check.sh [--help]

Runs the sh code block of the README's "Running it locally" section, as
written, with Debian's AWS CLI v2 (/usr/bin/aws, apt package awscli; not
whatever "aws" comes first on PATH), in a scratch copy of the working tree,
so that its stack (state in the copy's .local) is the only one it starts and
stops: a stack you run in .local is never touched. Then checks that the
AWS CLI's answer (out.json) is a response, not a function error, over all
60 sample items (the README's window is the seeded one). Before
that, checks that every "aws lambda invoke" of the README carries
--cli-binary-format raw-in-base64-out, --cli-read-timeout 0 and
AWS_MAX_ATTEMPTS=1. `make test` runs it.

Environment: AWS_CLI [/usr/bin/aws]; QUOTA_RPM [0], QUOTA_TPM [1000000]
(the stack's quota: the check is about the commands, not the throttling).
USAGE
}
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) echo "readme-check: unknown argument $1" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
root=$PWD
aws_cli=${AWS_CLI:-/usr/bin/aws}
[[ -x $aws_cli ]] || { echo "readme-check: $aws_cli is missing: apt-get install -y awscli (AWS CLI v2)" >&2; exit 1; }
version=$("$aws_cli" --version 2>&1)
[[ $version == aws-cli/2* ]] || { echo "readme-check: $aws_cli is not AWS CLI v2: $version" >&2; exit 1; }

scratch=$(mktemp -d -t readme-check.XXXXXX)
started=false
cleanup() {
	if $started; then (cd "$scratch/tree" && LOCAL_STATE= scripts/local-down.sh >/dev/null 2>&1) || true; fi
	rm -rf "$scratch"
}
trap cleanup EXIT

# The block, and the static checks of every aws lambda invoke command.
python3 - README.md "$scratch/local.sh" <<'PY'
import re, sys
readme, out = open(sys.argv[1]).read(), sys.argv[2]
code = "\n".join(re.findall(r"^```sh\n(.*?)^```", readme, re.S | re.M))
bad = []
for line in re.sub(r"\\\n\s*", " ", code).splitlines():
    if "aws lambda invoke" in line and not line.lstrip().startswith("#"):
        missing = [f for f in ("--cli-binary-format raw-in-base64-out", "--cli-read-timeout 0", "AWS_MAX_ATTEMPTS=1") if f not in line]
        if missing:
            bad.append(f"{line.strip()[:120]}… lacks {', '.join(missing)}")
if bad:
    sys.exit("readme-check: README's aws lambda invoke commands:\n  " + "\n  ".join(bad))
m = re.search(r"^## Running it locally\n(.*?)(?=^## )", readme, re.S | re.M)
blocks = re.findall(r"^```sh\n(.*?)^```", m.group(1) if m else "", re.S | re.M)
if not blocks:
    sys.exit("readme-check: no sh block in the README's 'Running it locally'")
open(out, "w").write("set -euo pipefail\nset -x\n" + "\n".join(blocks))
PY

mkdir -p "$scratch/tree/.local/bin" "$scratch/shim"
git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$scratch/tree"
if [[ -x .local/bin/aws-lambda-rie ]]; then cp .local/bin/aws-lambda-rie "$scratch/tree/.local/bin/"; fi
ln -s "$aws_cli" "$scratch/shim/aws"

echo "readme-check: running the README's local commands with $version in $scratch/tree"
started=true
if ! (
	cd "$scratch/tree"
	unset LOCAL_STATE TIME_SCALE
	export PATH="$scratch/shim:$PATH" QUOTA_RPM=${QUOTA_RPM:-0} QUOTA_TPM=${QUOTA_TPM:-1000000}
	bash "$scratch/local.sh"
) 2>&1 | sed 's/^/  | /'; then
	echo "readme-check: the README's local commands failed" >&2
	exit 1
fi

python3 - "$scratch/tree/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "errorType" in r or "counts" not in r:
    sys.exit(f"readme-check: aws lambda invoke answered {json.dumps(r)[:300]}")
# The README's window is the seeded one: it holds all 60 sample items.
if r["counts"].get("items") != 60:
    sys.exit(f"readme-check: the README's event matched {r['counts'].get('items')} of the 60 sample items: {r.get('message')}")
print(f"readme-check: aws lambda invoke answered: {r.get('message')}")
PY
echo "readme-check: ok"
