# unigo: run `make run` to boot the example service, `make test` to run every test.
GO      ?= go
BIN     := bin
UNIGO   := $(BIN)/unigo
QEMU    := qemu-system-x86_64
APT_PKG := qemu-system-x86

.PHONY: run hello test bench deps unigo vet oracle clean

# deps installs QEMU from Debian when it is missing (as root), or says how.
deps:
	@command -v $(QEMU) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(APT_PKG)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKG) >/dev/null; \
	  else \
	    echo "QEMU is missing: run  sudo apt-get install -y $(APT_PKG)"; exit 1; \
	  fi; }

unigo:
	@mkdir -p $(BIN)
	$(GO) build -o $(UNIGO) ./tools/unigo

# run boots app/httpd (a plain net/http server) and forwards host port
# $(PORT) to it; stop it with Ctrl-C. `make hello` boots app/hello.
PORT ?= 8080
run: deps unigo
	$(UNIGO) build -files ./app/httpd -o $(BIN)/httpd.img ./app/httpd
	@echo "unigo: httpd boots; open http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(UNIGO) run -p $(PORT):8080 $(BIN)/httpd.img -- -root /www

hello: deps unigo
	$(UNIGO) build -o $(BIN)/hello.img ./app/hello
	$(UNIGO) run -timeout 5m $(BIN)/hello.img

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

# The Go distribution's own test programs, run inside unigo guests; all
# must pass. One of them (winbatch.go) reads the GOROOT it was built
# with, so the guests get the host's GOROOT as a read-only share at the
# same path (unigo run -share).
ORACLE_MIN ?= 100
GOROOT_DIR := $(shell $(GO) env GOROOT)
oracle: deps
	UNIGO_RUN_FLAGS="-share $(GOROOT_DIR) $(UNIGO_RUN_FLAGS)" ../shared/oracle/run-gotest -min $(ORACLE_MIN) ../shared/oracle/gotest-public.txt

test: deps vet
	$(GO) test -count=1 -timeout 25m ./...
	@if [ -x ../shared/oracle/run-gotest ]; then $(MAKE) --no-print-directory oracle; \
	 else echo "oracle: ../shared/oracle not present, skipped"; fi

# bench compares unigo with a runc container, a Linux VM and a native
# process (tools/bench; about 10 minutes), then runs the kernel's micro
# benchmarks. It installs wrk, runc and strace when missing (as root) and
# fetches Debian's kernel package into a cache.
BENCH_PKGS := wrk runc strace
bench: deps
	@missing=""; for p in $(BENCH_PKGS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; apt-get install -y -qq $$missing >/dev/null; \
	   else echo "missing:$$missing: run  sudo apt-get install -y$$missing"; exit 1; fi; fi
	$(GO) run ./tools/bench $(BENCH_FLAGS)
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 20m ./qemu/ | tee bench/last.txt

clean:
	rm -rf $(BIN)
