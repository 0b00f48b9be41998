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

# The Go distribution's own test programs, run inside unigo guests.
# Issue #3 raises the bar to 100%.
ORACLE_MIN ?= 95
oracle: deps
	../shared/oracle/run-gotest -min $(ORACLE_MIN) ../shared/oracle/gotest-public.txt

test: deps vet
	$(GO) test -count=1 -timeout 25m ./...
	@if [ -x ../shared/oracle/run-gotest ]; then $(MAKE) --no-print-directory oracle; \
	 else echo "oracle: ../shared/oracle not present, skipped"; fi

bench: deps
	@mkdir -p bench
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "wrk is missing: sudo apt-get install -y wrk"; exit 1; }
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 40m ./qemu/ > bench/last.txt; s=$$?; cat bench/last.txt; exit $$s

clean:
	rm -rf $(BIN)
