#!/usr/bin/env bash
# local-down.sh: stop what scripts/local-up.sh started. See --help.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/local-down.sh [--purge] [--help]

Stops every process listed in .local/pids (or $LOCAL_STATE/pids) (each is the leader of its own
process group: the group gets SIGTERM, then SIGKILL after 3 s), and the
processes below them (the RIE starts the Lambda in a group of its own), then
removes .local/pids and .local/env. Logs stay in .local/logs, binaries in
.local/bin. Only the stack of that state directory is stopped: another one
(LOCAL_STATE=DIR scripts/local-up.sh) is left alone.

Options:
  --purge    also remove .local/logs and the invocation outputs
  --help     this text
USAGE
}

# descendants PID: prints the pids below PID, from /proc.
descendants() {
	local stat line rest pid ppid
	local -A parent=()
	for stat in /proc/[0-9]*/stat; do
		line=$(<"$stat") 2>/dev/null || continue
		rest=${line##*) }
		read -r _ ppid _ <<<"$rest"
		pid=${stat#/proc/}; pid=${pid%/stat}
		parent[$pid]=$ppid
	done
	local frontier=("$1") next child
	while [[ ${#frontier[@]} -gt 0 ]]; do
		next=${frontier[0]}; frontier=("${frontier[@]:1}")
		for child in "${!parent[@]}"; do
			if [[ ${parent[$child]} == "$next" ]]; then echo "$child"; frontier+=("$child"); fi
		done
	done
}

purge=false
for a in "$@"; do
	case "$a" in
	--purge) purge=true ;;
	-h | --help) usage; exit 0 ;;
	*) echo "local-down: unknown argument $a (see --help)" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
local_dir=${LOCAL_STATE:-$PWD/.local}
[[ $local_dir == /* ]] || local_dir=$PWD/$local_dir
pids=$local_dir/pids
if [[ ! -f $pids ]]; then
	echo "local-down: nothing running (no $pids)"
else
	groups=() below=()
	while read -r name pid; do
		[[ -n ${pid:-} ]] || continue
		mapfile -t -O "${#below[@]}" below < <(descendants "$pid")
		if kill -TERM -- "-$pid" 2>/dev/null; then groups+=("$pid"); echo "local-down: stopped $name ($pid)"; fi
	done <"$pids"
	for _ in $(seq 30); do
		alive=()
		for pid in "${groups[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive+=("$pid"); done
		[[ ${#alive[@]} -eq 0 ]] && break
		sleep 0.1
	done
	for pid in "${alive[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
	for pid in "${below[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
fi
rm -f "$pids" "$local_dir/env"
if $purge; then rm -rf "$local_dir/logs" "$local_dir/out"; fi
