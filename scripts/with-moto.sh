#!/usr/bin/env bash
# with-moto.sh: run a command against a local moto DynamoDB server.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/with-moto.sh COMMAND [ARGS...]

Starts moto (Python moto 5, installed on the project's machines) on a free
loopback port through scripts/moto-serial.py, which applies requests one at
a time as DynamoDB does per item, exports AWS_ENDPOINT_URL_DYNAMODB and
static credentials, runs COMMAND, and stops the server, whatever COMMAND's
outcome. Exits with COMMAND's status; 3 if moto cannot be started.
USAGE
}

case "${1:-}" in -h|--help|"") usage; exit 0 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
python3 -c 'import moto' 2>/dev/null || { echo "with-moto: Python moto is not installed (pip install 'moto[server]')" >&2; exit 3; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
python3 "$here/moto-serial.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then break; fi
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 3; }
  sleep 0.1
done
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local} AWS_REGION=${AWS_REGION:-us-east-1}
echo "with-moto: DynamoDB at $AWS_ENDPOINT_URL_DYNAMODB" >&2
"$@"
