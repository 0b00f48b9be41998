// Package cpu holds the one-instruction wrappers the kernel needs and Go
// cannot express: port I/O, MSRs, control registers, descriptor tables,
// CPUID, TSC and the hardware random number generator.
//
// Every function here is an ABI0 assembly routine (defined in cpu_amd64.s).
// They run in trap context: they never allocate and never block.
package cpu

// In8 reads a byte from an I/O port. Defined in cpu_amd64.s.
func In8(port uint16) uint8

// Out8 writes a byte to an I/O port. Defined in cpu_amd64.s.
func Out8(port uint16, v uint8)

// In16 reads a word from an I/O port. Defined in cpu_amd64.s.
func In16(port uint16) uint16

// Out16 writes a word to an I/O port. Defined in cpu_amd64.s.
func Out16(port uint16, v uint16)

// Out32 writes a doubleword to an I/O port. Defined in cpu_amd64.s.
func Out32(port uint16, v uint32)

// In32 reads a doubleword from an I/O port. Defined in cpu_amd64.s.
func In32(port uint16) uint32

// Rdmsr reads a model-specific register. Defined in cpu_amd64.s.
func Rdmsr(msr uint32) uint64

// Wrmsr writes a model-specific register. Defined in cpu_amd64.s.
func Wrmsr(msr uint32, v uint64)

// Cpuid executes CPUID with EAX=leaf, ECX=sub. Defined in cpu_amd64.s.
func Cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// Rdtsc returns the time-stamp counter. Defined in cpu_amd64.s.
func Rdtsc() uint64

// ReadCR2 returns the page-fault linear address. Defined in cpu_amd64.s.
func ReadCR2() uintptr

// ReadCR3 returns the page-table root. Defined in cpu_amd64.s.
func ReadCR3() uintptr

// WriteCR3 loads a new page-table root (and flushes the TLB). Defined in cpu_amd64.s.
func WriteCR3(v uintptr)

// Invlpg flushes the TLB entry of one page. Defined in cpu_amd64.s.
func Invlpg(addr uintptr)

// Lgdt loads the GDT register from a 10-byte pseudo-descriptor at p. Defined in cpu_amd64.s.
func Lgdt(p uintptr)

// Lidt loads the IDT register from a 10-byte pseudo-descriptor at p. Defined in cpu_amd64.s.
func Lidt(p uintptr)

// Ltr loads the task register with a GDT selector. Defined in cpu_amd64.s.
func Ltr(sel uint16)

// ReloadSegments reloads CS with code and DS/ES/SS with data, FS/GS with null. Defined in cpu_amd64.s.
func ReloadSegments(code, data uint16)

// Rdrand returns a hardware random number; ok is the carry flag (false:
// the DRNG had no entropy ready, retry). Defined in cpu_amd64.s.
func Rdrand() (v uint64, ok bool)

// Rdseed is like Rdrand but draws from the entropy conditioner. Defined in cpu_amd64.s.
func Rdseed() (v uint64, ok bool)

// Halt stops the CPU with interrupts disabled, for good. Defined in cpu_amd64.s.
func Halt()

// Pause is the spin-loop hint. Defined in cpu_amd64.s.
func Pause()

// MSR numbers (Intel SDM vol. 4, table 2-2).
const (
	MSR_EFER           = 0xC0000080
	MSR_STAR           = 0xC0000081
	MSR_LSTAR          = 0xC0000082
	MSR_FMASK          = 0xC0000084
	MSR_FS_BASE        = 0xC0000100
	MSR_GS_BASE        = 0xC0000101
	MSR_KERNEL_GS_BASE = 0xC0000102
	MSR_APIC_BASE      = 0x1B
	MSR_TSC_DEADLINE   = 0x6E0
)

// EFER bits (SDM vol. 3, 2.2.1).
const (
	EFER_SCE = 1 << 0  // SYSCALL enable
	EFER_LME = 1 << 8  // long mode enable
	EFER_NXE = 1 << 11 // no-execute enable
)

// Features is what CPUID said at boot, for the kernel's choices.
type Features struct {
	RDRAND, RDSEED, TSCDeadline, Hypervisor, KVMClock, X2APIC bool
	MaxLeaf, MaxHVLeaf                                        uint32
}

// CPUIDFunc is CPUID's signature, so that decoding runs under go test.
type CPUIDFunc func(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// CPUID feature bits (SDM vol. 2A, CPUID, tables 3-10 and 3-8) and the
// hypervisor leaves (Linux Documentation/virt/kvm/x86/cpuid.rst).
const (
	cpuid1ECX_X2APIC      = 1 << 21
	cpuid1ECX_TSCDeadline = 1 << 24
	cpuid1ECX_RDRAND      = 1 << 30
	cpuid1ECX_Hypervisor  = 1 << 31
	cpuid7EBX_RDSEED      = 1 << 18
	leafHypervisor        = 0x40000000
	leafKVMFeatures       = 0x40000001
	kvmFeatureClock2      = 1 << 3 // KVM_FEATURE_CLOCKSOURCE2
	// "KVMKVMKVM\0\0\0" in EBX, ECX, EDX of the hypervisor leaf.
	kvmSigEBX = 0x4b4d564b
	kvmSigECX = 0x564b4d56
	kvmSigEDX = 0x4d
)

// Detect reads the CPUID leaves the kernel cares about.
func Detect() Features { return DecodeFeatures(Cpuid) }

// Have is what the boot CPU offers, detected once by kmain (step 4)
// before anything reads it. Every CPU of a machine is taken to offer the
// same, as Linux takes it for the features programs see.
var Have Features

// DecodeFeatures asks cpuid the leaves the kernel cares about.
func DecodeFeatures(cpuid CPUIDFunc) (f Features) {
	f.MaxLeaf, _, _, _ = cpuid(0, 0)
	_, _, c1, _ := cpuid(1, 0)
	f.RDRAND = c1&cpuid1ECX_RDRAND != 0
	f.TSCDeadline = c1&cpuid1ECX_TSCDeadline != 0
	f.X2APIC = c1&cpuid1ECX_X2APIC != 0
	f.Hypervisor = c1&cpuid1ECX_Hypervisor != 0
	if f.MaxLeaf >= 7 {
		_, b7, _, _ := cpuid(7, 0)
		f.RDSEED = b7&cpuid7EBX_RDSEED != 0
	}
	if f.Hypervisor {
		var b, c, d uint32
		f.MaxHVLeaf, b, c, d = cpuid(leafHypervisor, 0)
		if b == kvmSigEBX && c == kvmSigECX && d == kvmSigEDX {
			fa, _, _, _ := cpuid(leafKVMFeatures, 0)
			f.KVMClock = fa&kvmFeatureClock2 != 0
		}
	}
	return f
}

// Ports is port I/O through IN and OUT, for drivers written against an
// interface (u-root's PortReadWriter idea) so that they run under go test.
type Ports struct{}

func (Ports) In8(port uint16) uint8       { return In8(port) }
func (Ports) Out8(port uint16, v uint8)   { Out8(port, v) }
func (Ports) In16(port uint16) uint16     { return In16(port) }
func (Ports) Out16(port uint16, v uint16) { Out16(port, v) }
func (Ports) In32(port uint16) uint32     { return In32(port) }
func (Ports) Out32(port uint16, v uint32) { Out32(port, v) }

// ReadCR0 returns CR0. Defined in cpu_amd64.s.
func ReadCR0() uintptr

// WriteCR0 loads CR0. Defined in cpu_amd64.s.
func WriteCR0(v uintptr)

// CR0 and CPUID bits (SDM vol. 3, 2.5; vol. 2A, CPUID leaf 80000001H).
const (
	CR0_WP       = 1 << 16 // supervisor writes honour read-only pages
	CPUID_EXT_NX = 1 << 20 // EDX of leaf 0x80000001: execute-disable
)

// HasNX reports whether page tables may use the execute-disable bit.
func HasNX() bool { return DecodeNX(Cpuid) }

// Extended CPUID leaves (SDM vol. 2A, CPUID).
const (
	leafExtMax      = 0x80000000
	leafExtFeatures = 0x80000001
)

// DecodeNX asks cpuid whether the CPU has the execute-disable bit.
func DecodeNX(cpuid CPUIDFunc) bool {
	max, _, _, _ := cpuid(leafExtMax, 0)
	if max < leafExtFeatures {
		return false
	}
	_, _, _, d := cpuid(leafExtFeatures, 0)
	return d&CPUID_EXT_NX != 0
}
