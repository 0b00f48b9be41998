package main

import (
	"strings"
	"testing"
)

func TestProfileReport(t *testing.T) {
	var p profile
	if got := p.report(nil); !strings.Contains(got, "no report") {
		t.Errorf("report before any record = %q, want a no-report line", got)
	}
	recs := []string{
		"P samples 100 idle 50 lost 0 trap-cycles 25 cycles 100",
		"p 0x1000 10", "p 0x1001 5", "p 0x2000 30", "p 0x3000 5",
		// A later report replaces the earlier one.
		"P samples 200 idle 100 lost 2 trap-cycles 50 cycles 200",
		"p 0x1000 20", "p 0x1001 10", "p 0x2000 60", "p 0x3000 10",
	}
	for _, r := range recs {
		p.record(strings.Fields(r))
	}
	names := map[uint64]string{0x1000: "runtime.mallocgc", 0x1001: "runtime.mallocgc", 0x2000: "gvisor.dev/gvisor/pkg/tcpip/stack.(*NIC).deliver"}
	got := p.report(func(pc uint64) string { return names[pc] })
	for _, want := range []string{
		"200 samples at 1 kHz: 50.0% idle, 1.0% lost; traps (syscalls, interrupts, faults) took 25.0% of the CPU",
		"by area: netstack 60.0% Go runtime 30.0% vDSO and unknown 10.0%",
		"   60.0%  gvisor.dev/gvisor/pkg/tcpip/stack.(*NIC).deliver\n",
		"   30.0%  runtime.mallocgc\n",
		"   10.0%  0x3000\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "deliver") > strings.Index(got, "mallocgc\n") {
		t.Errorf("report is not sorted by samples:\n%s", got)
	}
}
