package guest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOutsideUnigo: run as a Linux process (as these tests are), the API
// says so and reports nothing, rather than reading an idle kernel.
func TestOutsideUnigo(t *testing.T) {
	if Booted() {
		t.Fatal("Booted() = true in a Linux process")
	}
	if s, ok := Stats(); ok || s != (Statistics{}) {
		t.Errorf("Stats() = %+v, %v; want zero, false", s, ok)
	}
	if m := SyscallCounts(); len(m) != 0 {
		t.Errorf("SyscallCounts() = %v; want empty", m)
	}
	if s, ok := NICStats(); ok || s != (NICStatistics{}) {
		t.Errorf("NICStats() = %+v, %v; want zero, false", s, ok)
	}
	Milestone("test") // does nothing, and must not crash
}

// TestNICStatsFromRegistration: NICStats reports what the registered
// source (unigo/netstack's) returns.
func TestNICStatsFromRegistration(t *testing.T) {
	RegisterNIC(func() NICStatistics { return NICStatistics{RxPackets: 3, MTU: 1500, LinkUp: true} })
	defer nicStats.Store(nil)
	if s, ok := NICStats(); !ok || s.RxPackets != 3 || s.MTU != 1500 || !s.LinkUp {
		t.Errorf("NICStats() = %+v, %v; want the registered counters, true", s, ok)
	}
}

// TestLinksNoServer: a program that imports guest (app/httpd) links
// neither the network stack nor the kernel's file server in its Linux
// build.
func TestLinksNoServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "unigo/netstack") || strings.HasPrefix(p, "gvisor.dev/") ||
			p == "unigo/kernel/server" || p == "unigo/kernel/vfs" {
			t.Errorf("unigo/guest depends on %s", p)
		}
	}
}
