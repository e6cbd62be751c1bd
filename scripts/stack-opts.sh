# stack-opts.sh: the options the operations scripts share. Source it, then
#   stack_opts NAME "$@"; shift "$nopts"
# parses --help (calls the script's usage), --stack NAME and --region R up
# to the first argument that is not an option, and sets stack (empty for
# the default stack name), aws_opts (to pass to aws) and nopts (how many
# arguments it read). --region also exports AWS_REGION for leasectl.
stack_opts() {
	local name=$1
	shift
	stack="" aws_opts=() nopts=0
	while [[ $# -gt 0 ]]; do
		case "$1" in
		-h | --help) usage; exit 0 ;;
		--stack) stack=${2:?--stack needs a name} ;;
		--region) aws_opts+=(--region "${2:?--region needs a region}"); export AWS_REGION=$2 ;;
		-*) echo "$name: unknown option $1 (see --help)" >&2; exit 2 ;;
		*) break ;;
		esac
		shift 2
		nopts=$((nopts + 2))
	done
}
