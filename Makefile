GO ?= go

.PHONY: test vet fmt demo bench build fuzz

## test: vet, then every test with the race detector
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

build:
	$(GO) build -o bin/caliper ./cmd/caliper

## demo: validate and run the example evals
demo:
	$(GO) run ./cmd/caliper validate examples

## bench: the benchmarks behind the figures in the notes
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: fuzz the loader for a while (FUZZTIME=1m by default)
fuzz:
	$(GO) test ./spec -run '^$$' -fuzz FuzzValidate -fuzztime $${FUZZTIME:-1m}
