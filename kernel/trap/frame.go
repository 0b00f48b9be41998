// Package trap owns the CPU's ways into the kernel: the GDT and TSS, the
// IDT and its 64 vector stubs, the SYSCALL entry, and the per-CPU area
// reached through GS. Every entry saves the interrupted context as a Frame
// on a kernel stack, switches FS to the kernel's TLS block (so that Go code
// finds the kernel's g at -8(FS)), saves the SSE state, and calls Handler.
// Handler may rewrite the Frame (syscall results, a different thread); the
// exit path restores whatever the Frame then says and returns with IRETQ.
//
// Per-CPU and shared state. Each processor has a CPU (This, reached
// through its GS base): the entry path's scratch words and the running
// thread's FS and FXSAVE area, the nesting depth, its GDT and TSS, its IST
// and kernel stacks (one block each, guard pages between), its stand-in
// kernel g. Only that processor writes its CPU, so it takes no lock. The
// IDT, the vector stubs and Handler are shared: written once by Setup
// before any other processor starts, read-only after.
//
// Interrupts are off in all kernel code: every gate is an interrupt gate
// (IF cleared on entry), SYSCALL clears IF (FMASK), and the kernel never
// sets it; only a Frame's RFLAGS turns it back on, at IRETQ. So a handler
// runs to completion on its CPU and is never preempted or migrated, and
// This stays valid for the whole trap. Another CPU runs concurrently,
// though: state shared between CPUs (the scheduler's, the address space's)
// needs its own locks once there is more than one (see the doc.go files of
// kernel/sched and kernel/mm).
//
// Wire it in: Setup once at boot, set Handler, then Resume the first thread.
package trap

import "unigo/kernel/platform/layout"

// Frame is the register state saved at every kernel entry, lowest address
// first. Its layout is shared with entry_amd64.s.
type Frame struct {
	FX  uintptr // where the SSE state was saved (FXSAVE64 area)
	FS  uintptr // FS base to restore on exit
	R15 uintptr
	R14 uintptr
	R13 uintptr
	R12 uintptr
	R11 uintptr
	R10 uintptr
	R9  uintptr
	R8  uintptr
	BP  uintptr
	DI  uintptr
	SI  uintptr
	DX  uintptr
	CX  uintptr
	BX  uintptr
	AX  uintptr
	// Vector is the interrupt vector, or VectorSyscall.
	Vector uintptr
	Err    uintptr // error code pushed by the CPU, or 0
	// The interrupt return frame (SDM vol. 3, 7.14.2).
	RIP, CS, RFLAGS, RSP, SS uintptr
}

// VectorSyscall marks a Frame made by the SYSCALL instruction.
const VectorSyscall = 0x100

// Exception vectors (SDM vol. 3, table 7-1).
const (
	VectorDivide      = 0
	VectorDebug       = 1
	VectorNMI         = 2
	VectorBreakpoint  = 3
	VectorInvalidOp   = 6
	VectorDoubleFault = 8
	VectorGP          = 13
	VectorPageFault   = 14
	VectorFPU         = 16
	VectorSIMD        = 19
	// The vector map is kernel/platform/layout's.
	NumExceptions  = layout.NumExceptions
	NumVectors     = layout.NumVectors // vectors with a stub; 32..63 are the timer and device lines
	VectorSpurious = layout.VectorSpurious
)

// ExceptionName returns the mnemonic of an exception vector.
func ExceptionName(v uintptr) string {
	names := [...]string{"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
		"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
		"coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
		"#GP general protection", "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
		"#MC machine check", "#XM SIMD exception", "#VE virtualization", "#CP control protection"}
	if v < uintptr(len(names)) {
		return names[v]
	}
	if v == VectorSyscall {
		return "syscall"
	}
	return "interrupt"
}

// RFLAGS bits (SDM vol. 1, 3.4.3).
const (
	FlagIF       = 1 << 9
	FlagReserved = 1 << 1
)
