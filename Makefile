# Build, test and run the Cognito authorizer. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
GOFLAGS_LAMBDA := -trimpath -tags lambda.norpc -ldflags='-s -w -buildid='
LAMBDA_ENV := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
BIN       := bin
# Long steps run under scripts/heartbeat: their output passes through, and a
# line says they are still working whenever they are silent for 10 s.
HEARTBEAT_SH := scripts/heartbeat

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-24s %s\n", $$1, $$2}'

# ---- Lambda builds (provided.al2023, arm64; one recipe for CDK and SAM) ----

.PHONY: build
build: $(BIN)/authorizer/bootstrap $(BIN)/add-note/bootstrap $(BIN)/list-notes/bootstrap $(BIN)/sign-out/bootstrap ## Build the functions for Lambda (linux/arm64) into bin/<name>/bootstrap.

$(BIN)/%/bootstrap: FORCE
	@echo "compiling cmd/$* for Lambda (linux/arm64) into $@..." >&2
	@$(HEARTBEAT_SH) "compiling cmd/$*" env $(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $@ ./cmd/$*

.PHONY: FORCE
FORCE:

# SAM's makefile builder runs make build-<LogicalId> with ARTIFACTS_DIR set
# (template.yaml's functions); each target names its main under cmd/. An
# empty ARTIFACTS_DIR would write /bootstrap: refused.
SAM_BUILD_TARGETS := build-AuthorizerFunction build-AddNoteFunction build-ListNotesFunction build-SignOutFunction
.PHONY: $(SAM_BUILD_TARGETS)
build-AuthorizerFunction: CMD := authorizer
build-AddNoteFunction: CMD := add-note
build-ListNotesFunction: CMD := list-notes
build-SignOutFunction: CMD := sign-out
$(SAM_BUILD_TARGETS):
	@if [ -z "$(ARTIFACTS_DIR)" ]; then echo "$@: ARTIFACTS_DIR is empty: sam build sets it; by hand, make $@ ARTIFACTS_DIR=<dir>" >&2; exit 2; fi
	$(LAMBDA_ENV) $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./cmd/$(CMD)

# The authorizer alone, for a function made by hand (aws lambda
# create-function --zip-file fileb://bin/authorizer.zip): bootstrap at the
# root, reproducible (the same bytes from the same source: fixed mtimes
# and modes, no extra fields). RULES=<file> ships a route rules file as
# rules.json beside bootstrap, for ROUTE_RULES_FILE=/var/task/rules.json
# (JSON in a file, not escaped inside the environment's JSON).
ZIP_EPOCH := 198001010000
RULES ?=
.PHONY: zip
zip: $(BIN)/authorizer/bootstrap ## Build bin/authorizer.zip (bootstrap at the root; RULES=file adds it as rules.json; the same bytes from the same source).
	@command -v zip >/dev/null || { echo "zip not found: install it (apt-get install zip, brew install zip)" >&2; exit 1; }
	@if [ -n "$(RULES)" ] && [ ! -f "$(RULES)" ]; then echo "RULES=$(RULES): no such file" >&2; exit 1; fi
	@# Staged apart: bin/authorizer/ is the CDK's asset, which must not
	@# gain or lose a rules.json here.
	rm -rf $(BIN)/authorizer.zip $(BIN)/zip && mkdir -p $(BIN)/zip
	cp $(BIN)/authorizer/bootstrap $(BIN)/zip/bootstrap
	@if [ -n "$(RULES)" ]; then cp "$(RULES)" $(BIN)/zip/rules.json && chmod 0644 $(BIN)/zip/rules.json; fi
	chmod 0755 $(BIN)/zip/bootstrap
	touch -t $(ZIP_EPOCH) $(BIN)/zip/*
	cd $(BIN)/zip && TZ=UTC zip -q -X -D ../authorizer.zip bootstrap $(if $(RULES),rules.json)
	@echo "$(BIN)/authorizer.zip: sha256 $$(sha256sum $(BIN)/authorizer.zip | cut -d' ' -f1)"

# ---- Try it locally ----

# Long first steps say what they are doing and how long they took here (a
# fresh clone, empty GOCACHE and GOMODCACHE, 2 cores: scripts/first-runs;
# docs/local-runs.md#first-runs), then scripts/heartbeat says they are
# still working at least every 10 s.
.PHONY: demo
demo: ## Build the real authorizer and run the sample events against a local user pool (needs only Go; ARGS=-v for its logs).
	@echo "downloading the modules and compiling the demo (first run, empty caches, 2 cores: 73 s measured)..." >&2
	@$(HEARTBEAT_SH) "make demo" $(GO) run ./cmd/demo $(ARGS)

# The sample API as API Gateway runs it (cmd/start-api): its settings come
# from the environment, e.g. make start-api PORT=8080 AUTHORIZER_CACHE_TTL=0
# or make start-api API=http HTTP_API_RESPONSE=iam.
.PHONY: start-api
start-api: ## Serve the sample API on http://127.0.0.1:3000 as API Gateway runs it, authorizer cache included (PORT, AUTHORIZER_CACHE_TTL, FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT, TABLES, API=rest|http, HTTP_API_RESPONSE; needs only Go).
	@echo "compiling start-api (first run on a cold build cache: about a minute)..." >&2
	@HEARTBEAT_UNTIL='^ready: ' $(HEARTBEAT_SH) "make start-api" $(GO) run ./cmd/start-api

# devtoken serves the keys of the tokens it writes to .local/ until
# stopped (make devtoken & in the shell that runs make invoke); it prints
# the settings and tokens as `export` lines, and what it says as `#`
# comments (under the heartbeat, errors come on the same stream).
.PHONY: devtoken
devtoken: ## Serve a local pool's JWKS, write its tokens, events and env.json to .local/ for make invoke; keep it running (make devtoken &; ARGS='-groups admins', ARGS=-h for its flags).
	@echo "compiling devtoken (first run on a cold build cache: about 30 s)..." >&2
	@HEARTBEAT_UNTIL='^# (Serving|Wrote)' $(HEARTBEAT_SH) "make devtoken" $(GO) run ./cmd/devtoken $(ARGS)

# The event and the env-vars file (SAM's format) for make invoke and make
# sam-invoke: by default the ones make devtoken writes to .local/, with a
# token its JWKS (still running, or restarted) verifies. make invoke runs
# FUNCTION, any of template.yaml's, built by its build-<LogicalId> target
# (for this machine), and fills an event's {{token}} from the file TOKEN.
EVENT ?= .local/token.json
ENV_VARS ?= .local/env.json
FUNCTION ?= AuthorizerFunction
TOKEN ?= .local/id-token

.PHONY: invoke
invoke: ## Run FUNCTION (default AuthorizerFunction) as make build-<FUNCTION> builds it, on EVENT under a local Lambda Runtime API, with ENV_VARS and TOKEN (no Docker; run make devtoken beside it first).
	@echo "compiling cmd/invoke (first run on a cold build cache: about 30 s)..." >&2
	@$(HEARTBEAT_SH) "make invoke" $(GO) run ./cmd/invoke -function $(FUNCTION) -event $(EVENT) -env $(ENV_VARS) -token $(TOKEN)

# make explain says why the authorizer answers TOKEN on REQUEST as it does,
# with the settings of ENV_VARS (SAM's format; empty: the environment) and
# the keys of KEYS (a JWKS file, offline; empty: fetched). It is built, then
# run: go run would turn its exit code (0 Allow; 1 a Deny, a 401 or an
# outage; 2 a usage or settings error) into 1.
REQUEST ?= GET /notes
KEYS ?=

.PHONY: explain
explain: ## Explain the answer to TOKEN on REQUEST ("METHOD /path") with ENV_VARS: every check and rule, the policy, the reason, what a cached answer allows (KEYS=jwks.json offline, ARGS=-json; exit 0 Allow, 1 refused, 2 usage).
	@echo "compiling cmd/explain (first run on a cold build cache: about 30 s)..." >&2
	@$(HEARTBEAT_SH) "compiling cmd/explain" $(GO) build -o $(BIN)/explain ./cmd/explain
	@$(BIN)/explain -token $(TOKEN) -request "$(REQUEST)" $(if $(ENV_VARS),-env $(ENV_VARS)) $(if $(KEYS),-keys $(KEYS)) $(ARGS) || \
		{ rc=$$?; case $$rc in 1) why="refused (a Deny, a 401 or an outage)";; 2) why="usage or settings";; *) why="";; esac; \
		echo "explain exited $$rc: $$why (make reports it as its own error)" >&2; exit $$rc; }

# ---- Tests ----

.PHONY: test
test: ## Run go vet and every test with -race (one checks that no Lambda binary links internal/testkit); missing tools skip (CI=true: fail). No fuzzing: make fuzz.
	@command -v moto_server >/dev/null || echo "moto_server not found: the DynamoDB and Cognito tests skip (pip install 'moto[server]'; CI=true: they fail)"
	@echo "go vet ./... (first run after make demo, 2 cores: 31 s measured)..."
	@$(HEARTBEAT_SH) "go vet" $(GO) vet ./...
	@echo "go test -race ./... (first run after make demo, compiling every package with -race, 2 cores: about 4 min measured)..."
	@$(HEARTBEAT_SH) "go test -race" $(GO) test -race -count=1 ./...

# What make e2e needs beyond Go; each missing one is named, and the run says
# loudly that the tests skipped (CI=true: they fail instead).
E2E_TOOLS := moto_server aws

.PHONY: e2e
e2e: ## The Cognito journey and the README's AWS CLI steps against moto_server (needs moto_server and the aws CLI; says loudly when nothing ran; CI=true: fails).
	@missing=""; for t in $(E2E_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "!! make e2e: missing:$$missing (pip install 'moto[server]' awscli): the tests that need them will SKIP"; \
	fi; \
	echo "go test -race ./e2e/ (first run on a cold build cache: about a minute)..."; out=$$(mktemp); \
	$(HEARTBEAT_SH) "make e2e" $(GO) test -race -count=1 -v ./e2e/ 2>&1 | tee "$$out"; rc=$${PIPESTATUS[0]}; \
	ran=$$(grep -c -- "^--- PASS" "$$out" || true); skipped=$$(grep -c -- "--- SKIP" "$$out" || true); rm -f "$$out"; \
	if [ "$$rc" -ne 0 ]; then exit "$$rc"; fi; \
	if [ -n "$$missing" ] || [ "$$skipped" -gt 0 ]; then \
		echo; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!! make e2e: $$skipped test(s) SKIPPED, $$ran passed. Nothing was checked by a skipped test."; \
		if [ -n "$$missing" ]; then echo "!! Missing:$$missing. Install: pip install 'moto[server]' awscli"; fi; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

# Fuzz targets as package:target; `make fuzz FUZZTIME=1m` fuzzes longer.
FUZZ_TARGETS := ./internal/authorizer:FuzzEvent ./internal/authorizer:FuzzTokenExtraction ./internal/authorizer:FuzzHTTPEvent ./internal/policy:FuzzParseMethodARN ./internal/policy:FuzzRules ./internal/notes:FuzzHandler ./internal/notes:FuzzListQuery ./internal/signout:FuzzHandle ./internal/settings:FuzzParseIssuers
FUZZTIME ?= 5s

.PHONY: fuzz
# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" as -fuzztime ends, having found nothing
# (https://go.dev/issue/75804, fixed in Go 1.27): such a run is tried once
# more; a failing input, any other failure or the same twice fails.
fuzz: ## Fuzz each target for FUZZTIME (default 5s); not part of make test (CI runs both).
	@set -eo pipefail; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME); the first build of each package with coverage instrumentation takes up to a minute before fuzzing starts)"; \
		for try in 1 2; do \
			out=$$(mktemp); \
			if $(HEARTBEAT_SH) "fuzz $${t#*:}" $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x "$${t%%:*}" 2>&1 | tee "$$out"; then rm -f "$$out"; break; fi; \
			if [ "$$try" = 1 ] && grep -q 'context deadline exceeded' "$$out" && ! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$$out"; then \
				rm -f "$$out"; echo "fuzz $${t#*:}: the fuzz coordinator's deadline race (go.dev/issue/75804), no input found: once more"; continue; \
			fi; \
			rm -f "$$out"; exit 1; \
		done; \
	done

.PHONY: bench
BENCHCOUNT ?= 10
bench: ## Run the benchmarks (-benchmem, BENCHCOUNT runs) into bench.txt; compare runs with benchstat.
	set -o pipefail; $(HEARTBEAT_SH) "make bench" $(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./internal/... | tee bench.txt

# Issue 21's measure (cmd/bench-cold): the authorizer as make
# build-AuthorizerFunction builds it (for this machine), fresh under the
# local Runtime API for each cold start, plain, with 100 route rules, with
# the revocation table (moto_server, else in memory) and with both, beside
# a minimal Node authorizer on aws-jwt-verify (installed once with npm into
# the user's cache). It says what it is doing every few seconds; the
# Markdown table ends its output and goes to bench-cold.txt. ARGS=-h for
# the flags (-cold, -warm, -configs, -node=false).
.PHONY: bench-cold
bench-cold: ## Cold start, init, warm p50/p99 and peak RSS of the built authorizer in four configurations, as ratios to a Node aws-jwt-verify authorizer, into bench-cold.txt and, with no ARGS, docs/performance.md (Linux; Node and npm for the anchor, else our figures alone; ARGS=-h).
	@$(HEARTBEAT_SH) "make bench-cold" $(GO) run ./cmd/bench-cold -o bench-cold.txt $(if $(ARGS),,-doc docs/performance.md) $(ARGS)

# gofmt over every Go file git knows or would add (the root module and
# infra/; ignored ones such as infra/cdk.out left out), go vet and
# staticcheck in both modules. Staticcheck comes from the Go module proxy
# through go run, pinned. Measured here: its first run downloads and
# compiles it in about 75 s (49 s of that compiling, with the download
# cached), then 1 s; checking the root module takes 4 to 15 s, infra/ (the
# CDK's Go bindings included) 25 to 30 s, so infra/ stays in.
.PHONY: lint
lint: ## gofmt -l, go vet and staticcheck (v0.8.2, by go run) on the root module and infra/.
	@out=$$(git ls-files --cached --others --exclude-standard '*.go' | while read -r f; do [ -f "$$f" ] && echo "$$f"; done | xargs -r gofmt -l 2>&1); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd infra && $(GO) vet ./...
	@echo "staticcheck v0.8.2 (first run downloads and compiles it: about 75 s)..."
	@$(HEARTBEAT_SH) "staticcheck" $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	cd infra && ../$(HEARTBEAT_SH) "staticcheck (infra)" $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

.PHONY: clean
clean: ## Remove build output, the benchmarks' output and .local/ (make devtoken's tokens and events).
	rm -rf $(BIN) .aws-sam infra/cdk.out bench.txt bench-cold.txt .local

# ---- Deploy (infra/ CDK app, template.yaml SAM) ----

# The CDK CLI, pinned. Its cloud-assembly schema reads what aws-cdk-lib
# v2.276.0 (infra/go.mod; cloud-assembly schema 55) writes; check with
# make synth and make validate when bumping either. Node 20 runs synth,
# validate and test-infra (measured); the CDK CLI warns about it on deploy
# and asks for Node 22 or newer, which silences it.
CDK_VERSION := 2.1148.1
CDK := cd infra && npx --yes aws-cdk@$(CDK_VERSION)
# Context for the CDK app (keys in infra/cdk.json), e.g.
# make deploy CDK_CONTEXT='-c authorizerType=REQUEST -c tokenHeader=token'.
CDK_CONTEXT ?=
# More arguments for sam local invoke (make sam-invoke), e.g. on Linux
# SAM_ARGS='--add-host host.docker.internal:host-gateway' so that the
# container reaches make devtoken's JWKS on the host.
SAM_ARGS ?=

# The jsii runtime under the CDK's Go bindings prints a banner about Node
# versions past their end of life (Node 20 since 2026-10) on every run.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 18,20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION ?= 1

.PHONY: synth deploy diff destroy cdk-bootstrap sam-build sam-invoke validate test-infra
# The first run downloads the CDK CLI from the npm registry and the CDK's
# Go modules from the Go proxy; later runs use the caches, offline.
define first_run_note
	@[ -d infra/cdk.out ] || echo "No infra/cdk.out yet: the first synth fetches aws-cdk@$(CDK_VERSION) from the npm registry (npx) and the CDK's Go modules from the Go proxy (96 s measured with the functions' build, after make demo and make test had filled the Go caches, 2 cores); later runs use the caches, offline."
endef
# One line saying how to install a missing tool.
need = @command -v $(1) >/dev/null || { echo "$(1) not found: $(2)" >&2; exit 127; }

synth: build ## Synthesize the CDK app into infra/cdk.out (needs the npm registry and the Go proxy the first time), then print its dashboard's layout, alarms and metric filters.
	$(call need,npx,install Node.js 22 or newer (https://nodejs.org; 20 works and the CDK CLI warns))
	$(first_run_note)
	@cd infra && ../$(HEARTBEAT_SH) "cdk synth" npx --yes aws-cdk@$(CDK_VERSION) synth --quiet --no-notices $(CDK_CONTEXT)
	@cd infra && $(GO) run ./cmd/synth-summary cdk.out/*.template.json

deploy: build ## Deploy the CDK stack with the pinned CDK CLI (AWS credentials; cdk-bootstrap once).
	$(call need,npx,install Node.js 22 or newer (https://nodejs.org; 20 works and the CDK CLI warns))
	$(CDK) deploy $(CDK_CONTEXT)

diff: build ## Show what deploy would change in the deployed stack.
	$(CDK) diff $(CDK_CONTEXT)

destroy: build ## Delete the CDK stack (the tables stay unless -c tableRemovalPolicy=destroy).
	$(CDK) destroy $(CDK_CONTEXT)

# The CDK app runs (and checks bin/*/bootstrap) for bootstrap too.
cdk-bootstrap: build ## Prepare the account and region for CDK deployments (once).
	$(call need,npx,install Node.js 22 or newer (https://nodejs.org; 20 works and the CDK CLI warns))
	$(CDK) bootstrap

sam-build: ## Build the functions with SAM (make build-<LogicalId>) into .aws-sam/.
	$(call need,sam,pip install aws-sam-cli (or see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html))
	sam build --template template.yaml

sam-invoke: sam-build ## Invoke the authorizer with sam local invoke in Docker (EVENT, ENV_VARS, SAM_ARGS; run make devtoken beside it first).
	sam local invoke AuthorizerFunction -e $(EVENT) --env-vars $(ENV_VARS) $(SAM_ARGS)

# W3005: the CDK makes each function depend on its role and the role's
# policy; the role is also a GetAtt (same list in infra/lint_test.go).
validate: synth ## cfn-lint template.yaml and the synthesized CDK template.
	$(call need,cfn-lint,pip install cfn-lint)
	cfn-lint template.yaml
	cfn-lint --ignore-checks W3005 -- infra/cdk.out/*.template.json

test-infra: ## Vet and test the CDK app (infra/, its own module): synth (every context value), assertions, the construct on an imported pool and API, cfn-lint, the SAM translator on template.yaml, make zip's reproducibility.
	@echo "go vet and go test in infra/ (the first run compiles the CDK's Go bindings: several minutes)..." >&2
	cd infra && ../$(HEARTBEAT_SH) "go vet (infra)" $(GO) vet ./... && ../$(HEARTBEAT_SH) "go test (infra)" $(GO) test -count=1 ./...
