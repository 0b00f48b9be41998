package layout

// The interrupt vector map: the one place where vectors are assigned.
// Intel SDM vol. 3, 7.2 "Exception and Interrupt Vectors": vectors 0-31
// are the processor's exceptions and reserved; 32-255 are for external
// interrupts, delivered through the local APIC (12.5, 12.11), which
// prioritises by the upper four bits of the vector.
//
//	  0.. 31  CPU exceptions (SDM vol. 3, table 7-1; names in kernel/trap)
//	 32       local APIC timer: the scheduler's one-shot
//	 33.. 47  unused (a stray interrupt there is counted and ignored)
//	 48.. 63  interrupt lines 0..15: I/O APIC GSIs and MSI/MSI-X
//	          messages, allocated by kernel/platform (lines.go)
//	 64..255  no stub of their own: one entry returns at once (kernel/trap)
//	255       among them, the local APIC's spurious-interrupt vector
const (
	// NumExceptions is the count of vectors the processor reserves for
	// exceptions (SDM vol. 3, 7.2).
	NumExceptions = 32
	// VectorTimer is the local APIC timer's vector (LVT timer register,
	// SDM vol. 3, 12.5.1).
	VectorTimer = 32
	// VectorLine0 is the vector of interrupt line 0: line n (an I/O APIC
	// GSI routed by the kernel, or an MSI whose message names the
	// vector) arrives on VectorLine0+n.
	VectorLine0 = 48
	// NumLines is how many interrupt lines there are: the GSIs of one
	// I/O APIC's first 16 inputs, shared with MSI vectors.
	NumLines = 16
	// NumVectors is how many vectors have an entry stub in kernel/trap
	// (entry_amd64.s): every vector the kernel programs, but the
	// spurious one, is below.
	NumVectors = 64
	// VectorSpurious is the local APIC's spurious-interrupt vector (SDM
	// vol. 3, 12.9: its low four bits are hardwired to 1 on older
	// processors, so 0xFF is valid everywhere). It needs no EOI and no
	// work: kernel/trap gives it the entry that returns at once.
	VectorSpurious = 0xFF
)

// The map must fit: lines above the timer, below the stubs' end. (A
// negative constant converted to uint does not compile.)
const (
	_ = uint(VectorLine0 - (VectorTimer + 1))
	_ = uint(NumVectors - (VectorLine0 + NumLines))
)

// LineVector returns the vector of interrupt line n (0 <= n < NumLines).
func LineVector(n int) uint8 { return uint8(VectorLine0 + n) }
