package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// profile is the last report of the kernel's sampling profiler (unigo run
// -prof; kernel/profile.go): "P samples S idle I lost L trap-cycles T
// cycles C", then "p PC COUNT" lines.
type profile struct {
	totals map[string]uint64
	pcs    map[uint64]uint64
}

// record takes one control-channel record of the profile.
func (p *profile) record(f []string) {
	switch f[0] {
	case "P":
		p.totals, p.pcs = map[string]uint64{}, map[uint64]uint64{}
		for i := 1; i+1 < len(f); i += 2 {
			v, _ := strconv.ParseUint(f[i+1], 10, 64)
			p.totals[f[i]] = v
		}
	case "p":
		if p.pcs == nil || len(f) != 3 {
			return
		}
		pc, err1 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
		n, err2 := strconv.ParseUint(f[2], 10, 64)
		if err1 == nil && err2 == nil {
			p.pcs[pc] += n
		}
	}
}

// profileTop is how many functions the report lists.
const profileTop = 25

// report renders the profile by function, with fn naming a PC ("" when
// unknown).
func (p *profile) report(fn func(pc uint64) string) string {
	if p.totals == nil {
		return "unigo: profile: no report from the guest (it stopped before the first one)\n"
	}
	t := p.totals
	var b strings.Builder
	pct := func(a, of uint64) float64 {
		if of == 0 {
			return 0
		}
		return 100 * float64(a) / float64(of)
	}
	fmt.Fprintf(&b, "unigo: profile: %d samples at 1 kHz: %.1f%% idle, %.1f%% lost; traps (syscalls, interrupts, faults) took %.1f%% of the CPU\n",
		t["samples"], pct(t["idle"], t["samples"]), pct(t["lost"], t["samples"]), pct(t["trap-cycles"], t["cycles"]))
	byFn := map[string]uint64{}
	for pc, n := range p.pcs {
		name := fn(pc)
		if name == "" {
			name = fmt.Sprintf("%#x", pc)
		}
		byFn[name] += n
	}
	names := make([]string, 0, len(byFn))
	for n := range byFn {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if byFn[names[i]] != byFn[names[j]] {
			return byFn[names[i]] > byFn[names[j]]
		}
		return names[i] < names[j]
	})
	busy := t["samples"] - t["idle"]
	byArea := map[string]uint64{}
	for name, n := range byFn {
		byArea[area(name)] += n
	}
	areas := make([]string, 0, len(byArea))
	for a := range byArea {
		areas = append(areas, a)
	}
	sort.Slice(areas, func(i, j int) bool { return byArea[areas[i]] > byArea[areas[j]] })
	b.WriteString("unigo: profile: by area:")
	for _, a := range areas {
		fmt.Fprintf(&b, " %s %.1f%%", a, pct(byArea[a], busy))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "unigo: profile: %% of busy samples by function (%d instructions sampled):\n", len(p.pcs))
	for i, n := range names {
		if i == profileTop {
			break
		}
		fmt.Fprintf(&b, "unigo:   %5.1f%%  %s\n", pct(byFn[n], busy), n)
	}
	return b.String()
}

// area groups a function by where its code comes from.
func area(fn string) string {
	switch {
	case strings.HasPrefix(fn, "internal/runtime/syscall") || strings.HasPrefix(fn, "syscall.") ||
		strings.HasPrefix(fn, "runtime.entersyscall") || strings.HasPrefix(fn, "runtime.exitsyscall") ||
		strings.HasPrefix(fn, "runtime.reentersyscall"):
		return "syscalls (incl. trap time landing after them)"
	case strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime") || strings.HasPrefix(fn, "sync."):
		return "Go runtime"
	case strings.HasPrefix(fn, "gvisor.dev/"):
		return "netstack"
	case strings.HasPrefix(fn, "unigo/drivers/"):
		return "drivers (incl. device exits)"
	case strings.HasPrefix(fn, "unigo/"):
		return "unigo"
	case strings.HasPrefix(fn, "0x"):
		return "vDSO and unknown"
	}
	return "program and std"
}
