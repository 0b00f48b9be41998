package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestPhases(t *testing.T) {
	log := `unigo: /usr/bin/qemu-system-x86_64 -M microvm
unigo:   214.34ms boot-pvh      (guest clock 0.00ms)
unigo:   218.68ms memory        (guest clock 0.00ms)
unigo:   227.87ms kernel-ready  (guest clock 17.08ms)
unigo:   298.97ms main          (guest clock 96.14ms)
unigo:   379.82ms net-up        (guest clock 186.00ms)
httpd: listening on :8080
`
	got, err := phases(log, 400)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{mPhaseQEMU: 214.34, mPhaseKernel: 13.53, mPhaseRuntime: 71.10, mPhaseNet: 80.85, mPhaseServe: 20.18}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-9*1000 {
			t.Errorf("phases()[%q] = %v, want %v", k, got[k], w)
		}
	}
	if _, err := phases("unigo:   214.34ms boot-pvh\n", 300); err == nil {
		t.Errorf("phases without kernel-ready, main, net-up = nil error, want one")
	}
}

func TestTreeRSSOfThisProcess(t *testing.T) {
	n, err := treeRSS(os.Getpid())
	if err != nil || n < 1<<20 {
		t.Errorf("treeRSS(self) = %d, %v; want at least 1 MiB", n, err)
	}
	if p := ppid(os.Getpid()); p != os.Getppid() {
		t.Errorf("ppid(self) = %d, want %d", p, os.Getppid())
	}
}

func TestSurfaceCounts(t *testing.T) {
	root, err := checkoutRoot()
	if err != nil {
		t.Fatal(err)
	}
	handled, err := handledSyscalls(root)
	if err != nil || handled < 60 || handled > 200 {
		t.Errorf("handledSyscalls = %d, %v; want the 60..200 calls kernel/sys handles", handled, err)
	}
	linux, err := linuxSyscalls(root)
	if err != nil || linux < 300 || linux <= handled {
		t.Errorf("linuxSyscalls = %d, %v; want Linux's 300+ calls, more than unigo's %d", linux, err, handled)
	}
	loc, err := kernelLines(root)
	if err != nil || loc < 5000 {
		t.Errorf("kernelLines = %d, %v; want thousands", loc, err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte("CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=y\nCONFIG_E=\"x\"\n"), 0o644)
	if y, m, err := configOptions(cfg); y != 2 || m != 1 || err != nil {
		t.Errorf("configOptions = %d, %d, %v; want 2, 1, nil", y, m, err)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	b.Write([]byte("0123456"))
	b.Write([]byte("789ab"))
	if got := b.String(); got != "456789ab" {
		t.Errorf("tailBuffer after 12 bytes = %q, want the last 8 %q", got, "456789ab")
	}
}
