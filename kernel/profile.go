package kernel

import (
	"unigo/kernel/clock"
	"unigo/kernel/cpu"
	"unigo/kernel/kfmt"
	"unigo/kernel/sched"
	"unigo/kernel/sys"
	"unigo/kernel/trap"
)

// A sampling profiler (unigo run -prof): while it is on, the local APIC
// timer fires at least every profPeriod and each firing records where the
// CPU was: a program instruction (the Go runtime, the program, and the
// kernel's server goroutine, which runs netstack and the file system), or
// the idle halt. Trap-context code runs with interrupts off, so its time is
// measured instead, with the TSC around every trap. Every profDumpEvery the
// counts so far go to the host as records on the control channel: "P"
// totals, then "p PC COUNT" for every instruction sampled; unigo run keeps
// the last report, symbolises it with the image's pclntab and prints it
// when the guest stops, however it stops (exit, crash, -timeout).
//
// All of it is trap context: fixed arrays, no allocation.

const (
	profPeriod    = 1_000_000     // ns between samples: 1 kHz
	profDumpEvery = 5_000_000_000 // ns between reports (each costs a few ms of port writes)
	profSlots     = 1 << 13       // distinct instructions kept (open addressing)
	profProbe     = 16            // slots tried before a sample is lost
)

var prof struct {
	on             bool
	next, nextDump int64
	pc             [profSlots]uintptr
	n              [profSlots]uint32
	samples, idle  uint64
	lost           uint64
	enter          uint64 // TSC at the current trap's entry
	trapCycles     uint64 // TSC cycles spent in traps
	startTSC       uint64
}

// profileStart turns the profiler on (kernel command line "-prof").
func profileStart() {
	now := clock.Nanotime()
	prof.on = true
	prof.next = now + profPeriod
	prof.nextDump = now + profDumpEvery
	prof.startTSC = cpu.Rdtsc()
}

// profileTick records one sample when the timer fired at or after the
// sampling deadline; f is the interrupted context.
func profileTick(f *trap.Frame, now int64) {
	if now < prof.next {
		return
	}
	prof.next = now + profPeriod
	prof.samples++
	if sched.Global.Idle() {
		prof.idle++
	} else {
		pc := f.RIP
		h := uint(pc*0x9E3779B97F4A7C15>>51) & (profSlots - 1)
		for i := 0; ; i++ {
			if i == profProbe {
				prof.lost++
				break
			}
			s := (h + uint(i)) & (profSlots - 1)
			if prof.pc[s] == pc || prof.pc[s] == 0 {
				prof.pc[s] = pc
				prof.n[s]++
				break
			}
		}
	}
	if now >= prof.nextDump {
		prof.nextDump = now + profDumpEvery
		profileDump()
	}
}

// profileDeadline brings the timer's next deadline forward to the next
// sample while profiling.
func profileDeadline(next int64) int64 {
	if prof.on && (next == 0 || next > prof.next) {
		return prof.next
	}
	return next
}

// profileDump sends the report: totals, then the hottest instructions.
func profileDump() {
	var b kfmt.Buf
	b.Str("P samples ").Udec(prof.samples).Str(" idle ").Udec(prof.idle).Str(" lost ").Udec(prof.lost).
		Str(" trap-cycles ").Udec(prof.trapCycles).Str(" cycles ").Udec(cpu.Rdtsc() - prof.startTSC).Byte('\n')
	sys.Control(b.Bytes())
	for s := range prof.n {
		if prof.n[s] != 0 {
			b.Reset()
			b.Str("p ").Hex(uint64(prof.pc[s])).Byte(' ').Udec(uint64(prof.n[s])).Byte('\n')
			sys.Control(b.Bytes())
		}
	}
}
