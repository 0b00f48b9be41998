package kernel

import (
	"unigo/drivers/lapic"
	"unigo/kernel/clock"
	"unigo/kernel/cpu"
	"unigo/kernel/kfmt"
	"unigo/kernel/mm"
	"unigo/kernel/platform/layout"
	"unigo/kernel/sched"
	"unigo/kernel/sys"
	"unigo/kernel/trap"

	"unigo/kernel/abi/linux"
)

// Page-fault error code bits (SDM vol. 3, figure 5-12).
const (
	pfPresent = 1 << 0
	pfWrite   = 1 << 1
	pfFetch   = 1 << 4
)

// handleTrap receives every syscall, interrupt and exception.
func handleTrap(f *trap.Frame) {
	if prof.on {
		prof.enter = cpu.Rdtsc()
	}
	switch v := f.Vector; {
	case v == trap.VectorSyscall:
		sys.Dispatch(f)
	case v == vectorTimer:
		sys.Stats.Interrupts++
		trap.This().TimerDeadline = 0 // the one-shot timer has fired
		lapic.EOI(apic{})
		if prof.on {
			profileTick(f, clock.Nanotime())
		}
	case v == trap.VectorPageFault:
		pageFault(f)
	case v >= layout.VectorLine0 && v < layout.VectorLine0+layout.NumLines:
		sys.IRQ(int(v - layout.VectorLine0))
		lapic.EOI(apic{})
	case v >= trap.NumExceptions && v < trap.NumVectors:
		sys.Stats.Interrupts++ // a stray legacy interrupt: nothing to do
	case trap.This().Depth > 1:
		fatal(f, trap.ExceptionName(v), 0)
	default:
		exception(f)
	}
	next, _ := sched.Global.Finish(f, clock.Nanotime())
	sys.DeliverPending(f)
	c := trap.This()
	c.ThreadFS, c.ThreadFX = f.FS, f.FX
	setTimer(profileDeadline(next))
	if prof.on {
		prof.trapCycles += cpu.Rdtsc() - prof.enter
	}
}

// exception turns a CPU exception in the program into the signal Linux
// would send (arch/x86/kernel/traps.c), for the runtime's handlers.
func exception(f *trap.Frame) {
	switch f.Vector {
	case trap.VectorDivide:
		sys.Fault(f, linux.SIGFPE, linux.FPE_INTDIV, f.RIP)
	case trap.VectorInvalidOp:
		sys.Fault(f, linux.SIGILL, linux.ILL_ILLOPN, f.RIP)
	case trap.VectorBreakpoint, trap.VectorDebug:
		sys.Fault(f, linux.SIGTRAP, linux.TRAP_BRKPT, f.RIP)
	case trap.VectorFPU, trap.VectorSIMD:
		sys.Fault(f, linux.SIGFPE, 0, f.RIP)
	case trap.VectorGP, 12 /* #SS */, 11 /* #NP */, 17 /* #AC */ :
		sys.Fault(f, linux.SIGSEGV, linux.SI_KERNEL, 0)
	default:
		fatal(f, trap.ExceptionName(f.Vector), 0)
	}
}

// This CPU's TimerDeadline (trap.CPU) is the deadline its local APIC
// timer counts down to (0: stopped). Every trap ends in setTimer, which writes the timer only to bring its
// deadline forward: a deadline that moves later (the time slice, renewed
// at every context switch) or goes away leaves the timer as it is, and
// it fires early, costing one trap that arms it again. A write is an exit
// to the hypervisor (about 15 us each under TCG here): writing the new
// slice end at every hand-off made a 1-byte pread cost 37 us instead of 7.
func setTimer(next int64) {
	c := trap.This()
	if next == 0 || c.TimerDeadline != 0 && c.TimerDeadline <= next {
		return
	}
	c.TimerDeadline = next
	d := next - clock.Nanotime()
	if d < 1000 {
		d = 1000
	}
	ticks := uint64(d) * apicHz / 1e9
	if ticks > 0xFFFFFFFF {
		ticks = 0xFFFFFFFF
	}
	if ticks == 0 {
		ticks = 1
	}
	lapic.OneShot(apic{}, vectorTimer, uint32(ticks))
}

func pageFault(f *trap.Frame) {
	addr := cpu.ReadCR2()
	sys.Stats.Faults++
	if trap.This().Depth > 1 {
		fatal(f, "page fault in the kernel", addr)
	}
	switch mm.Program.Fault(addr, f.Err&pfWrite != 0, f.Err&pfFetch != 0) {
	case mm.FaultMapped:
		return
	case mm.FaultNoMemory: // only past the commit limit: the charge was refused at mmap
		sys.Killed(f, linux.SIGKILL, 0, addr)
	case mm.FaultAccess:
		sys.Fault(f, linux.SIGSEGV, linux.SEGV_ACCERR, addr)
	default:
		if f.Err&pfPresent != 0 { // a present page refused the access: read-only image pages
			sys.Fault(f, linux.SIGSEGV, linux.SEGV_ACCERR, addr)
			return
		}
		sys.Fault(f, linux.SIGSEGV, linux.SEGV_MAPERR, addr)
	}
}

// fatal stops the guest after an error in the kernel itself.
func fatal(f *trap.Frame, what string, addr uintptr) {
	var b kfmt.Buf
	where := "program"
	if trap.This().Depth > 1 {
		where = "kernel"
	}
	b.Str("unigo: fatal kernel error: ").Str(what).Str(" in ").Str(where).Str(" (vector ").Udec(uint64(f.Vector)).
		Str(", error ").Hex(uint64(f.Err)).Str(", address ").Hex(uint64(addr)).Str(")\n")
	sys.Console(2, b.Bytes())
	sys.Report(f, addr)
	sys.Exit(ExitKernelFatal)
}
