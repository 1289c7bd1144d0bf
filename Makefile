# vkllm build, test and maintenance targets. `make test` is the command CI runs.
GO        ?= go
# The model `make run` uses: the shared test copy of stories260K when it is
# there, else the catalogue name, which vkllm pulls into its cache on first use.
SHARED_MODEL := ../shared/models/stories260K-f32.gguf
MODEL     ?= $(if $(wildcard $(SHARED_MODEL)),$(SHARED_MODEL),stories260K)
PROMPT    ?= Once upon a time
FUZZTIME  ?= 1m
BENCH     ?= .

# The CPU path's vector kernels (runtime/cpu, simd/archsimd) need Go's simd
# experiment; without it the portable scalar kernels build instead, and
# `make test` runs them once as well.
export GOEXPERIMENT ?= simd

.PHONY: setup build test test-go test-cgocheck run lint bench fuzz

setup:
	@bash scripts/setup.sh

build:
	$(GO) build -o bin/vkllm ./cmd/vkllm

# The full test suite: unit, kernel (on lavapipe, validation layer on) and
# end-to-end tests; the runtime packages once more under cgocheck2; and the
# committed SPIR-V checked against its sources.
test: setup lint
	$(GO) test -timeout 40m ./...
	GOEXPERIMENT=$(GOEXPERIMENT),cgocheck2 $(GO) test -timeout 20m -short ./runtime/...
	GOEXPERIMENT= $(GO) test -short ./runtime/cpu
	@if grep -q '^check-shaders:' Makefile; then $(MAKE) --no-print-directory check-shaders; fi

run: setup
	$(GO) run ./cmd/vkllm run -m "$(MODEL)" -p "$(PROMPT)"

# staticcheck, pinned, runs once with the build's simd experiment and once
# without it: runtime/cpu's portable scalar kernels only build then.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	GOEXPERIMENT= $(STATICCHECK) ./...

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime 3x ./...

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Shaders: regenerate the committed SPIR-V from shaders/*.comp and the
# variant table; check-shaders compiles to a scratch folder and fails on any
# difference (stale, missing or extra modules).
.PHONY: shaders check-shaders
shaders:
	$(GO) generate ./shaders

check-shaders:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(GO) run ./shaders/internal/gen -src shaders -out "$$tmp" && \
	  diff -r -x README.md "$$tmp" shaders/spv && echo "shaders: committed SPIR-V is current"
