#!/usr/bin/env bash
# package.sh builds the ingest-normalize Lambda for provided.al2023 on arm64
# and zips it as dist/ingest-normalize.zip (the zip holds one file, bootstrap).
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/package.sh [--out DIR]

Builds ./cmd/ingest-normalize as `bootstrap` for linux/arm64 (CGO_ENABLED=0,
-tags lambda.norpc, -trimpath, -ldflags "-s -w") and zips it into
DIR/ingest-normalize.zip (DIR defaults to dist/ at the repository root).
Prints the path of the zip on stdout.

Options:
  --out DIR   where to write the zip (default: dist)
  -h, --help  show this help
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/dist"
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	*) echo "package.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build \
	-tags lambda.norpc -trimpath -ldflags="-s -w" \
	-o "$work/bootstrap" ./cmd/ingest-normalize) >&2

zip="$out/ingest-normalize.zip"
rm -f "$zip"
# Python's zipfile keeps the executable bit Lambda needs and exists wherever
# the AWS CLI v1 does; zip(1) is not installed everywhere.
# A fixed timestamp makes the zip a function of the binary (reproducible with
# -trimpath), so scripts/deploy.sh can name it by its hash.
chmod 0755 "$work/bootstrap"
touch -t 198001010000 "$work/bootstrap"
(cd "$work" && TZ=UTC python3 -m zipfile -c "$zip" bootstrap) >&2
echo "$zip"
