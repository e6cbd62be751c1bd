# ingest-normalize — see README.md.
#   make test   every test: unit and integration against in-process servers
#               (minidyn, gofakes3, the Bedrock emulator, the Lambda binary
#               under the Runtime Interface Emulator), then the DynamoDB
#               suites again against moto; templates through cfn-lint; the
#               operations scripts and the README's local commands (AWS CLI
#               v2) on local stacks of their own; the benchmark's smoke run
#               (fails only if the benchmark cannot run).
#   make demo   the local end-to-end run on embedded defaults.
#   make bench  benchmarks, printed as ratios against in-run baselines.
#   make chaos  the fault and hostile-input suite, long version, with a report.

GO        ?= go
LOCAL_BIN := $(CURDIR)/.local/bin
RIE_MOD   := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
# Packages whose tests talk to DynamoDB: run a second time against moto.
DDB_PKGS  := ./lease/... ./normalize/... ./ingest/ ./internal/e2e/

export PATH := $(LOCAL_BIN):$(PATH)

.PHONY: test unit moto ops-smoke readme-check lint tools demo bench bench-quick chaos tidy-check

test: tools lint bench-quick ops-smoke readme-check unit moto

tools: $(LOCAL_BIN)/aws-lambda-rie
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: pip install cfn-lint" >&2; exit 1; }
	@python3 -c 'import moto' || { echo "Python moto is missing: pip install 'moto[server]'" >&2; exit 1; }
	@/usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2' || { echo "Debian's AWS CLI v2 (/usr/bin/aws) is missing: apt-get install -y awscli" >&2; exit 1; }

$(LOCAL_BIN)/aws-lambda-rie:
	GOBIN=$(LOCAL_BIN) $(GO) install $(RIE_MOD)

lint: tidy-check
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt: $$unformatted" >&2; exit 1; fi
	cfn-lint infra/*.yaml

tidy-check:
	$(GO) mod tidy -diff

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

# One moto per package: moto applies requests one at a time (see
# scripts/moto-serial.py), so packages sharing one server would queue each
# other's lease renewals behind their stress tests, which DynamoDB, whose
# tables do not wait for each other, never does. Two at a time, one per
# core: a moto starved of CPU answers in seconds.
moto:
	$(GO) list $(DDB_PKGS) | LEASE_TEST_SCALE=5 xargs -P 2 -I{} scripts/with-moto.sh $(GO) test -count=1 -timeout 30m {}

# The operations scripts (invoke, inspect, throttles, leasectl set-budget)
# against the local stack.
ops-smoke: $(LOCAL_BIN)/aws-lambda-rie
	scripts/ops-smoke.sh

# The README's local commands, as written, with Debian's AWS CLI v2.
readme-check: $(LOCAL_BIN)/aws-lambda-rie
	scripts/readme-check.sh

demo: $(LOCAL_BIN)/aws-lambda-rie
	scripts/demo.sh

# The coordination core's benchmarks (budget admissions/s, DynamoDB
# requests and conflicts per admission in lease/budget; acquire latency in
# lease), then the strategies compared end to end (cmd/bench: report, CSV
# and plots in bench/out).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./lease/...
	$(GO) run ./cmd/bench -out bench/out

bench-quick:
	$(GO) run ./cmd/bench -quick -out bench/out/quick

# Faults and hostile input, the long version, with a report.
chaos:
	scripts/chaos.sh
