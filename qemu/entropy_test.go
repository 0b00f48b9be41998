package qemu_test

import (
	"regexp"
	"strings"
	"testing"
)

// fromCmdline is what -v prints for a virtio entropy device (id 4) found
// from the command line's virtio_mmio.device= (kernel/platform).
var fromCmdline = regexp.MustCompile(`unigo: virtio-mmio at 0x[0-9a-f]+ \(IRQ \d+, from the command line\): virtio device 4\n`)

// TestEntropy: getrandom is seeded from the virtio entropy device that
// unigo run attaches, on both transports, also on a CPU model without
// RDRAND (qemu64, as KVM runs); crypto/rand's reads differ within a run
// and across runs. On microvm the kernel finds the device where QEMU's
// command line says (virtio_mmio.device=, auto-kernel-cmdline=on).
func TestEntropy(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range []struct {
		flags []string
		cpu   string // what -v reports for the CPU's instructions
		mmio  bool   // virtio-mmio: found from the command line
	}{
		{[]string{"-net", "none"}, "CPU true", true},
		{[]string{"-net", "none", "-cpu", "qemu64"}, "CPU false", true},
		{[]string{"-net", "none", "-cpu", "qemu64", "-machine", "q35"}, "CPU false", false},
	} {
		r := boot(t, "random", append([]string{"-v"}, c.flags...))
		want := "unigo: entropy: " + c.cpu + ", virtio-rng 64 bytes"
		lines := strings.Fields(r.stdout)
		if r.code != 0 || len(lines) != 2 || len(lines[0]) != 64 || lines[0] == lines[1] || !strings.Contains(r.stderr, want) {
			t.Errorf("random %v = status %d, stdout %q; want two distinct 32-byte hex lines and %q in stderr:\n%s", c.flags, r.code, r.stdout, want, r.stderr)
			continue
		}
		if got := fromCmdline.MatchString(r.stderr); got != c.mmio {
			t.Errorf("random %v: entropy device found from the command line = %v, want %v:\n%s", c.flags, got, c.mmio, r.stderr)
		}
		if strings.Contains(r.stderr, "warning") || strings.Contains(r.stderr, "virtio-mmio: ignoring") {
			t.Errorf("random %v warned: %s", c.flags, r.stderr)
		}
		for _, l := range lines {
			if seen[l] {
				t.Errorf("random %v repeated %s from an earlier boot", c.flags, l)
			}
			seen[l] = true
		}
	}
}
