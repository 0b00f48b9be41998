package trap

import (
	"unsafe"

	"unigo/kernel/cpu"
)

// CPU is the per-CPU area; GS base points at it. Its fields are read by
// entry_amd64.s through go_asm.h offsets. It holds no Go pointers: it is
// written in trap context, where write barriers must not run.
type CPU struct {
	KStackTop  uintptr // stack for syscalls and interrupts (IST1)
	ScratchRSP uintptr // the caller's RSP while SYSCALL switches stacks
	KernelFS   uintptr // FS base whose -8 slot holds the kernel's g
	ThreadFS   uintptr // FS base of the running thread
	ThreadFX   uintptr // FXSAVE area of the running thread
	NestedFX   uintptr // FXSAVE area for faults taken inside the kernel
	Depth      uintptr // 0 in a thread, 1 in the kernel, 2 in a nested fault
	ID         uintptr
}

// Stack sizes. The kernel g's stack bounds cover all of them, so Go's
// prologue checks pass on any of them; an overflow runs into the unmapped
// guard page below each stack (Guards) and faults.
const (
	kernelStackSize = 64 << 10
	faultStackSize  = 32 << 10
	dfStackSize     = 8 << 10
	idleStackSize   = 4 << 10
	fxAreaSize      = 512
	guardSize       = 4096
)

// IST slots (1-based, as in the TSS).
const (
	istKernel      = 1 // interrupts; the same stack as syscalls: both run with IF=0
	istFault       = 2 // exceptions, so that a fault inside the kernel keeps the kernel's frames
	istDoubleFault = 3
)

var (
	cpu0 CPU

	// stacks holds, from low to high: guard, fault stack, guard, double-fault
	// stack, guard, idle stack, guard, kernel stack. The guards are unmapped
	// at boot (Guards), so an overflow faults instead of corrupting.
	stacks    [4*guardSize + kernelStackSize + faultStackSize + dfStackSize + idleStackSize + guardSize]byte
	nestedFX  [fxAreaSize + 16]byte
	gdt       [5]uint64
	tss       [tssSize + 8]byte
	idt       [256 * 16]byte
	pseudo    [16]byte
	kernelG   [32]uintptr // a stand-in g: only stack bounds are read (prologue checks)
	kernelTLS [2]uintptr  // [0] = &kernelG; FS base = &kernelTLS[1]

	// Handler receives every trap. Set once at boot, before the runtime
	// starts (so the store needs no write barrier), never changed after.
	Handler func(f *Frame)

	idleSP uintptr
)

// defined in entry_amd64.s
var (
	vectorTable [NumVectors]uintptr
	entryPoints [3]uintptr // syscallEntry, idleLoop, vecSpurious
)

// Resume leaves the kernel into f's context. Defined in entry_amd64.s.
func Resume(f *Frame)

// dispatch is called by entry_amd64.s with the saved frame.
func dispatch(f *Frame) { Handler(f) }

// KernelStack reports the bounds of the kernel's stacks, guards included.
func KernelStack() (lo, hi uintptr) {
	lo = alignUp(uintptr(unsafe.Pointer(&stacks[0])), guardSize)
	return lo, lo + 4*guardSize + kernelStackSize + faultStackSize + dfStackSize + idleStackSize
}

// Guards returns the guard page below each kernel stack.
func Guards() [4]uintptr {
	lo, _ := KernelStack()
	g0 := lo
	g1 := g0 + guardSize + faultStackSize
	g2 := g1 + guardSize + dfStackSize
	g3 := g2 + guardSize + idleStackSize
	return [4]uintptr{g0, g1, g2, g3}
}

func alignUp(v, a uintptr) uintptr { return (v + a - 1) &^ (a - 1) }

// Setup loads the GDT, TSS, IDT, the per-CPU area and the SYSCALL MSRs on
// the boot CPU, and makes the kernel g cover the kernel's stacks.
func Setup() {
	lo, hi := KernelStack()
	g := Guards()
	faultTop := g[1]
	dfTop := g[2]
	idleTop := g[3]
	kernelTop := hi
	idleSP = idleTop - 8

	kernelG[0], kernelG[1] = lo, hi           // g.stack
	kernelG[2], kernelG[3] = lo+2048, lo+2048 // g.stackguard0, stackguard1
	kernelTLS[0] = uintptr(unsafe.Pointer(&kernelG[0]))

	cpu0.KStackTop = kernelTop
	cpu0.KernelFS = uintptr(unsafe.Pointer(&kernelTLS[1]))
	cpu0.NestedFX = alignUp(uintptr(unsafe.Pointer(&nestedFX[0])), 16)
	cpu0.Depth = 1 // we are the kernel until the first Resume

	// GDT: null, code, data, TSS (two slots).
	gdt[1], gdt[2] = descCode64, descData
	tssBase := uintptr(unsafe.Pointer(&tss[0]))
	SetIST(tss[:], istKernel, kernelTop)
	SetIST(tss[:], istFault, faultTop)
	SetIST(tss[:], istDoubleFault, dfTop)
	tss[102], tss[103] = tssSize, 0 // I/O map base beyond the limit: no bitmap
	EncodeTSSDesc((*[16]byte)(unsafe.Pointer(&gdt[3]))[:], tssBase)
	EncodePseudoDesc(pseudo[:], uintptr(unsafe.Pointer(&gdt[0])), len(gdt)*8)
	cpu.Lgdt(uintptr(unsafe.Pointer(&pseudo[0])))
	cpu.ReloadSegments(SelCode, SelData)
	cpu.Ltr(SelTSS)

	for v := 0; v < 256; v++ {
		h, ist := entryPoints[2], uint8(istKernel)
		if v < NumVectors {
			h = vectorTable[v]
		}
		switch {
		case v == VectorDoubleFault:
			ist = istDoubleFault
		case v < NumExceptions:
			ist = istFault
		}
		EncodeGate(idt[v*16:], h, SelCode, ist)
	}
	EncodePseudoDesc(pseudo[:], uintptr(unsafe.Pointer(&idt[0])), len(idt))
	cpu.Lidt(uintptr(unsafe.Pointer(&pseudo[0])))

	cpu.Wrmsr(cpu.MSR_GS_BASE, uint64(uintptr(unsafe.Pointer(&cpu0))))
	cpu.Wrmsr(cpu.MSR_KERNEL_GS_BASE, 0)
	cpu.Wrmsr(cpu.MSR_STAR, uint64(SelCode)<<32|uint64(SelCode)<<48)
	cpu.Wrmsr(cpu.MSR_LSTAR, uint64(entryPoints[0]))
	// Clear IF, TF, DF and AC on SYSCALL (SDM vol. 3, 5.8.8).
	cpu.Wrmsr(cpu.MSR_FMASK, 1<<9|1<<8|1<<10|1<<18)
	cpu.Wrmsr(cpu.MSR_EFER, cpu.Rdmsr(cpu.MSR_EFER)|cpu.EFER_SCE)
}

// This returns the boot CPU's area (one CPU for now; SMP adds an array).
func This() *CPU { return &cpu0 }

// IdleFrame fills f with the idle context: HLT with interrupts on.
func IdleFrame(f *Frame, fx uintptr) {
	*f = Frame{FX: fx, FS: cpu0.KernelFS, RIP: entryPoints[1], CS: SelCode, SS: SelData,
		RSP: idleSP, RFLAGS: FlagIF | FlagReserved}
}
