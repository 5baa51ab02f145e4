GO ?= go

.PHONY: test vet lint fmt demo bench bench-postgres build fuzz autoevals-corpus

## test: vet, gofmt and staticcheck, then every test with the race detector
test: vet lint
	$(GO) test -race -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

## lint: staticcheck, pinned as a tool in go.mod
lint:
	$(GO) tool staticcheck ./...

build:
	$(GO) build -o bin/caliper ./cmd/caliper

## demo: run the example evals (offline: an expr task, a Python worker, an HTTP service,
## an agent whose tools are Python programs, against a local fake model)
demo: build
	./bin/caliper validate examples
	./bin/caliper run examples/arithmetic examples/python-worker
	if command -v node >/dev/null; then ./bin/caliper run examples/node-worker; else echo "node is not installed: skipping examples/node-worker"; fi
	./bin/caliper run examples/llm --dry-run
	python3 examples/http/server.py 18765 & pid=$$!; trap "kill $$pid" EXIT; \
	for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1', 18765), 1)" 2>/dev/null && break; sleep 0.2; done; \
	./bin/caliper run examples/http
	$(GO) build -o bin/fakemodel ./examples/agent/fakemodel
	./bin/fakemodel 18766 & pid=$$!; trap "kill $$pid" EXIT; \
	for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1', 18766), 1)" 2>/dev/null && break; sleep 0.2; done; \
	./bin/caliper run examples/agent

## bench: the benchmarks behind the figures in the notes, each throughput beside
## its limit as a ratio: Go benchmarks (the store writer against plain inserts,
## the pipeline against the writer), caliper run end to end on 100k and 1M cases
## (scripts/bench.sh), sharded, and the latency-bound W2 (scripts/bench-llm.sh)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./spec ./pipeline ./store/... ./scorers ./datasets ./functions
	scripts/bench.sh
	scripts/bench-shard.sh
	scripts/bench-llm.sh

## bench-postgres: the PostgreSQL store's figures on the server CALIPER_TEST_POSTGRES
## names (rows/s of one writer; W1 end to end on SQLite and PostgreSQL);
## eval "$$(scripts/postgres-tmp.sh)" starts a throwaway server
bench-postgres:
	scripts/bench-postgres.sh

## fuzz: fuzz the loader for a while (FUZZTIME=1m by default)
fuzz:
	$(GO) test ./spec -run '^$$' -fuzz FuzzValidate -fuzztime $${FUZZTIME:-1m}

## autoevals-corpus: regenerate scorers/testdata/autoevals.jsonl.gz, the cases and
## the scores of the autoevals npm package (pinned in scripts/autoevals/package.json)
## that TestScoresEqualAutoevals compares with Caliper's built-ins (needs node and npm)
autoevals-corpus:
	cd scripts/autoevals && npm ci --no-audit --no-fund --ignore-scripts && node generate.mjs
