# Build, test and run the Cognito authorizer. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
GOFLAGS_LAMBDA := -trimpath -tags lambda.norpc -ldflags='-s -w -buildid='
LAMBDA_ENV := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
BIN       := bin

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-24s %s\n", $$1, $$2}'

# ---- Lambda builds (provided.al2023, arm64; one recipe for CDK and SAM) ----

.PHONY: build
build: $(BIN)/authorizer/bootstrap $(BIN)/add-note/bootstrap ## Build both functions for Lambda (linux/arm64) into bin/<name>/bootstrap.

$(BIN)/%/bootstrap: FORCE
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $@ ./cmd/$*

.PHONY: FORCE
FORCE:

# SAM's makefile builder calls build-<LogicalId> with ARTIFACTS_DIR set.
.PHONY: build-AuthorizerFunction build-AddNoteFunction
build-AuthorizerFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./cmd/authorizer
build-AddNoteFunction:
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./cmd/add-note

# ---- Tests ----

.PHONY: test
test: ## Run every test (with -race) and a short fuzz pass; tools that are missing are skipped (CI=true: failed).
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

# Fuzz targets as package:target; `make fuzz FUZZTIME=1m` fuzzes longer.
FUZZ_TARGETS := ./internal/authorizer:FuzzEvent ./internal/authorizer:FuzzTokenExtraction
FUZZTIME ?= 5s

.PHONY: fuzz
fuzz: ## Fuzz each target for FUZZTIME (default 5s).
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x "$${t%%:*}"; \
	done

.PHONY: bench
bench: ## Run the benchmarks (-benchmem, 10 runs) into bench.txt; compare runs with benchstat.
	$(GO) test -run '^$$' -bench . -benchmem -count 10 ./internal/... | tee bench.txt

.PHONY: lint
lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: clean
clean: ## Remove build output.
	rm -rf $(BIN) .aws-sam infra/cdk.out bench.txt
