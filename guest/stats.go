package guest

import (
	"time"
	"unigo/kernel/mm"
	"unigo/kernel/sched"

	"unigo/kernel"
	"unigo/kernel/clock"
	"unigo/kernel/sys"
)

// Statistics are the kernel's counters, for programs that want to show
// them (app/httpd does). unigo run -v prints them at exit.
type Statistics struct {
	FramesInUse, FramesPeak, FramesTotal uint64 // 4 KiB physical frames
	Syscalls, ContextSwitches            uint64
	Interrupts, PageFaults               uint64
	Threads                              int
	Uptime                               time.Duration
}

// Stats returns the kernel's counters; ok is false when the program runs
// as a Linux process rather than under unigo. The counters are single
// words written by the kernel: each read is atomic on x86-64.
func Stats() (s Statistics, ok bool) {
	if !kernel.Booted() {
		return s, false
	}
	return Statistics{
		FramesInUse: mm.RAM.InUse, FramesPeak: mm.RAM.Peak, FramesTotal: mm.RAM.Total,
		Syscalls: sys.Stats.Syscalls, ContextSwitches: sched.Global.Switches,
		Interrupts: sys.Stats.Interrupts, PageFaults: mm.Program.Faults,
		Threads: sched.Global.Threads, Uptime: time.Duration(clock.Nanotime()),
	}, true
}

// SyscallCounts returns, by name (e.g. "futex"), how many times the
// program has made each Linux system call.
func SyscallCounts() map[string]uint64 {
	m := map[string]uint64{}
	if !kernel.Booted() {
		return m
	}
	for n, c := range sys.Stats.Calls {
		if c != 0 {
			m[sys.Name(uintptr(n))] += c
		}
	}
	return m
}
