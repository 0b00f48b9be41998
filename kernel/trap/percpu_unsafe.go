package trap

import (
	"unsafe"

	"unigo/kernel/cpu"
)

// MaxCPUs is how many processors the kernel has room for. cpus[0] is the
// boot CPU; today it is the only one (no application processor is started).
const MaxCPUs = 64

// CPU is one processor's own state: what its entry path reads through GS,
// its descriptor tables, its kernel g and its stacks. GS base points at the
// CPU's own slot of cpus, so entry code and This find it without a lock;
// only that processor writes it (with interrupts off: all kernel code runs
// so). It holds no Go pointers: it is written in trap context, where write
// barriers must not run.
type CPU struct {
	// Read and written by entry_amd64.s through go_asm.h offsets (CPU_*),
	// which the compiler generates from this declaration.
	KStackTop  uintptr // stack for syscalls and interrupts (IST1); SYSCALL loads it
	ScratchRSP uintptr // the caller's RSP while SYSCALL switches stacks
	KernelFS   uintptr // FS base whose -8 slot holds the kernel's g
	ThreadFS   uintptr // FS base of the thread running on this CPU
	ThreadFX   uintptr // FXSAVE area of the thread running on this CPU
	NestedFX   uintptr // FXSAVE area for faults taken inside the kernel
	Depth      uintptr // 0 in a thread, 1 in the kernel, 2 in a nested fault
	ID         uintptr // index in cpus
	self       uintptr // this CPU's own address: This reads it through GS

	// Set up once by init; used by this processor only.
	idleSP    uintptr           // initial RSP of the idle context
	tss       [tssSize + 8]byte // IST pointers; a busy TSS cannot be shared
	gdt       [5]uint64         // null, code, data, TSS (two slots): per CPU for its TSS descriptor
	pseudo    [16]byte          // LGDT/LIDT operand
	kernelG   [32]uintptr       // a stand-in g: only stack bounds are read (prologue checks)
	kernelTLS [2]uintptr        // [0] = &kernelG; KernelFS = &kernelTLS[1]
	nestedFX  [fxAreaSize + 16]byte

	// The kernel's state of this processor, kept by package kernel.
	TimerDeadline int64 // the local APIC timer's deadline, monotonic ns (0: stopped)
}

// cpus is every processor's CPU. Zero until each processor's init.
var cpus [MaxCPUs]CPU

// This returns the CPU running the caller, read through GS (CPU.self).
// Valid once Setup (on the boot CPU) has pointed GS at it; defined in
// entry_amd64.s.
func This() *CPU

// addr is p's address as an integer (for descriptors and MSRs).
func addr[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// init fills in c as processor id whose stack block (the layout of
// stackBlockSize, guard pages included) starts at the page-aligned lo.
func (c *CPU) init(id int, lo uintptr) {
	g := guardsAt(lo)
	faultTop, dfTop, idleTop := g[1], g[2], g[3]
	kernelTop := lo + stackBlockSize

	c.ID = uintptr(id)
	c.self = addr(c)
	c.idleSP = idleTop - 8
	c.kernelG[0], c.kernelG[1] = lo, kernelTop    // g.stack
	c.kernelG[2], c.kernelG[3] = lo+2048, lo+2048 // g.stackguard0, stackguard1
	c.kernelTLS[0] = addr(&c.kernelG[0])
	c.KStackTop = kernelTop
	c.KernelFS = addr(&c.kernelTLS[1])
	c.NestedFX = alignUp(addr(&c.nestedFX[0]), 16)
	c.Depth = 1 // we are the kernel until the first Resume

	c.gdt[1], c.gdt[2] = descCode64, descData
	SetIST(c.tss[:], istKernel, kernelTop)
	SetIST(c.tss[:], istFault, faultTop)
	SetIST(c.tss[:], istDoubleFault, dfTop)
	c.tss[102], c.tss[103] = tssSize, 0 // I/O map base beyond the limit: no bitmap
	EncodeTSSDesc((*[16]byte)(unsafe.Pointer(&c.gdt[3]))[:], addr(&c.tss[0]))
}

// load makes c the running processor's: its GDT and TSS, the shared IDT,
// GS, and the SYSCALL MSRs. It runs on that processor.
func (c *CPU) load() {
	EncodePseudoDesc(c.pseudo[:], addr(&c.gdt[0]), len(c.gdt)*8)
	cpu.Lgdt(addr(&c.pseudo[0]))
	cpu.ReloadSegments(SelCode, SelData)
	cpu.Ltr(SelTSS)

	EncodePseudoDesc(c.pseudo[:], addr(&idt[0]), len(idt))
	cpu.Lidt(addr(&c.pseudo[0]))

	cpu.Wrmsr(cpu.MSR_GS_BASE, uint64(c.self))
	cpu.Wrmsr(cpu.MSR_KERNEL_GS_BASE, 0)
	cpu.Wrmsr(cpu.MSR_STAR, uint64(SelCode)<<32|uint64(SelCode)<<48)
	cpu.Wrmsr(cpu.MSR_LSTAR, uint64(entryPoints[entrySyscall]))
	// Clear IF, TF, DF and AC on SYSCALL (SDM vol. 3, 5.8.8).
	cpu.Wrmsr(cpu.MSR_FMASK, 1<<9|1<<8|1<<10|1<<18)
	cpu.Wrmsr(cpu.MSR_EFER, cpu.Rdmsr(cpu.MSR_EFER)|cpu.EFER_SCE)
}
