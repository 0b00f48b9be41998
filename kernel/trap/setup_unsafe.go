package trap

import "unsafe"

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
	// stackBlockSize is one CPU's stacks, from low to high: guard, fault
	// stack, guard, double-fault stack, guard, idle stack, guard, kernel stack.
	stackBlockSize = 4*guardSize + kernelStackSize + faultStackSize + dfStackSize + idleStackSize
)

// IST slots (1-based, as in the TSS).
const (
	istKernel      = 1 // interrupts; the same stack as syscalls: both run with IF=0
	istFault       = 2 // exceptions, so that a fault inside the kernel keeps the kernel's frames
	istDoubleFault = 3
)

// Shared by all CPUs: set up once by Setup, read-only after.
var (
	// bootStacks is the boot CPU's stack block (page-aligned inside: the
	// extra guardSize). The guards are unmapped at boot (Guards), so an
	// overflow faults instead of corrupting. Other CPUs' blocks will come
	// from the frame allocator.
	bootStacks [stackBlockSize + guardSize]byte
	idt        [256 * 16]byte

	// Handler receives every trap. Set once at boot, before the runtime
	// starts (so the store needs no write barrier), never changed after.
	// A variable because the handler is package kernel's, which imports
	// this one: the one hook left of the kernel's inverted dependencies
	// besides sys.BeforeExit, sys.IOAPIC and mm.SetInvalidate, each with
	// its reason.
	Handler func(f *Frame)
)

// defined in entry_amd64.s
var (
	vectorTable [NumVectors]uintptr
	entryPoints [3]uintptr // indexed by entrySyscall, entryIdle, entrySpurious
)

// Indexes of entryPoints (its DATA lines in entry_amd64.s).
const (
	entrySyscall  = 0 // syscallEntry
	entryIdle     = 1 // idleLoop
	entrySpurious = 2 // vecSpurious
)

// Resume leaves the kernel into f's context. Defined in entry_amd64.s.
func Resume(f *Frame)

// dispatch is called by entry_amd64.s with the saved frame.
func dispatch(f *Frame) { Handler(f) }

// KernelStack reports the bounds of the boot CPU's stacks, guards included.
func KernelStack() (lo, hi uintptr) {
	lo = alignUp(uintptr(unsafe.Pointer(&bootStacks[0])), guardSize)
	return lo, lo + stackBlockSize
}

// Guards returns the guard page below each of the boot CPU's stacks.
func Guards() [4]uintptr {
	lo, _ := KernelStack()
	return guardsAt(lo)
}

// guardsAt returns the guard page below each stack of the block at lo.
func guardsAt(lo uintptr) [4]uintptr {
	g0 := lo
	g1 := g0 + guardSize + faultStackSize
	g2 := g1 + guardSize + dfStackSize
	g3 := g2 + guardSize + idleStackSize
	return [4]uintptr{g0, g1, g2, g3}
}

func alignUp(v, a uintptr) uintptr { return (v + a - 1) &^ (a - 1) }

// Setup builds the shared IDT, then sets up the boot CPU (cpus[0]) on its
// stacks and loads it: GDT, TSS, IDT, GS and the SYSCALL MSRs.
func Setup() {
	buildIDT()
	lo, _ := KernelStack()
	c := &cpus[0]
	c.init(0, lo)
	c.load()
}

// buildIDT fills the IDT every CPU shares: one stub per vector below
// NumVectors, the spurious handler above; exceptions on their own stack.
func buildIDT() {
	for v := 0; v < 256; v++ {
		h, ist := entryPoints[entrySpurious], uint8(istKernel)
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
}

// IdleFrame fills f with this CPU's idle context: HLT with interrupts on.
func IdleFrame(f *Frame, fx uintptr) {
	c := This()
	*f = Frame{FX: fx, FS: c.KernelFS, RIP: entryPoints[entryIdle], CS: SelCode, SS: SelData,
		RSP: c.idleSP, RFLAGS: FlagIF | FlagReserved}
}
