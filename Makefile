# redashctl — run `make help` for the targets.
GO        ?= go
BIN       := bin/redashctl
PKG       := github.com/redashctl/redashctl
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X $(PKG)/internal/build.Version=$(VERSION) -X $(PKG)/internal/build.Commit=$(COMMIT) -X $(PKG)/internal/build.Date=$(DATE)
GOFILES    = $(shell git ls-files --cached --others --exclude-standard '*.go' 2>/dev/null)

.PHONY: help build test fmt-check vet unit demo bench lint fmt tidy-check golden docs release-check snapshot clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## Build bin/redashctl
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/redashctl

test: fmt-check vet unit ## gofmt check, go vet and all tests with the race detector

fmt-check: ## Fail when a Go file is not gofmt-formatted
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet ./...
	$(GO) vet ./...

unit: ## go test -race ./...
	$(GO) test -race -count=1 ./...

demo: ## Run the main job against the embedded sandbox (no Redash needed)
	$(GO) run ./cmd/redashctl demo

bench: ## Speed and memory targets (see docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./...

GOLANGCI_LINT ?= go run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

lint: ## golangci-lint with .golangci.yml (fetched through the Go module proxy on first use)
	$(GOLANGCI_LINT) run ./...

fmt: ## Format the code
	gofmt -w $(GOFILES)

tidy-check: ## Fail when go.mod or go.sum are not tidy
	$(GO) mod tidy -diff

golden: ## Rewrite golden files after a reviewed output change
	$(GO) test ./... -update

docs: ## Regenerate docs/reference (markdown and man pages)
	$(GO) run ./cmd/gen-docs docs/reference

release-check: ## Check .goreleaser.yaml
	goreleaser check

snapshot: ## Build release archives locally
	goreleaser release --snapshot --clean

clean: ## Remove build output
	rm -rf bin dist
