// Package boot is where a unigo image meets the machine: the 32-bit entry
// stub that both boot protocols jump to, the protocol headers that make
// loaders find it (a Multiboot v1 header and a PVH ELF note), and the
// normalisation of what the loader passed into one BootInfo.
//
// The stub is generated here, in Go, by the image builder rather than
// written in a .s file: Go's assembler emits only 64-bit code for amd64,
// and users must not need an external assembler. It is ~40 instructions
// that build identity page tables, turn on long mode and far-jump to the
// kernel's 64-bit entry (kernel/entry_amd64.s). stub_test.go decodes it
// with x86asm in 32-bit mode and compares it with the listing below.
package boot

import "encoding/binary"

// Boot protocol magics.
const (
	MultibootHeaderMagic = 0x1BADB002 // Multiboot 0.6.96 §3.1.2
	MultibootLoaderMagic = 0x2BADB002 // EAX at entry, §3.2
	PVHStartInfoMagic    = 0x336ec578 // xen/include/public/arch-x86/hvm/start_info.h
	xenElfNotePhys32     = 18         // XEN_ELFNOTE_PHYS32_ENTRY, xen/include/public/elfnote.h
)

// StubConfig says where the stub lives and where it jumps.
type StubConfig struct {
	Base       uint32 // physical (= virtual) address of the stub's first byte
	PageTables uint32 // 4 KiB-aligned address of 3 zeroed pages (PML4, PDPT, PD)
	Entry64    uint32 // the kernel's 64-bit entry (ABI0 symbol unigo/kernel.entry64)
	AppEntry   uint32 // the Go program's ELF entry point, passed in EDX
	ImageEnd   uint32 // end of the loaded image incl. bss, passed in ECX
}

// Selectors of the stub's temporary GDT (the kernel's GDT uses the same ones).
const (
	stubCodeSel = 0x08
	stubDataSel = 0x10
)

// Stub layout: the GDT first (8-aligned), then its pseudo-descriptor, then code.
const (
	stubGDTOff   = 0
	stubGDTROff  = 24
	stubCodeOff  = 32
	earlyMapSize = 1 << 30 // the stub identity-maps the first GiB with 2 MiB pages
)

// Page-table entry bits (Intel SDM vol. 3, 4.5, table 4-15..4-19).
const (
	ptePresent  = 1 << 0
	pteWritable = 1 << 1
	ptePageSize = 1 << 7
)

// Control-register bits (SDM vol. 3, 2.5).
const (
	cr0PE  = 1 << 0
	cr0PG  = 1 << 31
	cr4PAE = 1 << 5
	eferLM = 1 << 8
)

type asm32 struct{ b []byte }

func (a *asm32) u8(v ...byte)              { a.b = append(a.b, v...) }
func (a *asm32) u16(v uint16)              { a.b = binary.LittleEndian.AppendUint16(a.b, v) }
func (a *asm32) u32(v uint32)              { a.b = binary.LittleEndian.AppendUint32(a.b, v) }
func (a *asm32) movImm(reg byte, v uint32) { a.u8(0xB8 + reg); a.u32(v) }  // mov r32, imm32
func (a *asm32) movRR(dst, src byte)       { a.u8(0x89, 0xC0|src<<3|dst) } // mov r/m32, r32
func (a *asm32) storeImm(addr, v uint32)   { a.u8(0xC7, 0x05); a.u32(addr); a.u32(v) }
func (a *asm32) orEAX(v uint32)            { a.u8(0x0D); a.u32(v) }
func (a *asm32) movFromCR(cr byte)         { a.u8(0x0F, 0x20, 0xC0|cr<<3) } // mov eax, crN
func (a *asm32) movToCR(cr byte)           { a.u8(0x0F, 0x22, 0xC0|cr<<3) } // mov crN, eax

// 32-bit register numbers (SDM vol. 2, table 2-2).
const (
	eax = 0
	ecx = 1
	edx = 2
	ebx = 3
	ebp = 5
	esi = 6
	edi = 7
)

// Stub returns the stub's bytes; its entry point is Base+StubEntryOffset.
//
// In: 32-bit protected mode, paging off, EAX = Multiboot magic (or anything
// under PVH), EBX = Multiboot info or PVH start_info. Out, in 64-bit mode at
// Entry64: EDI = EAX at entry, ESI = EBX at entry, EDX = AppEntry, ECX = ImageEnd.
func Stub(c StubConfig) []byte {
	a := &asm32{}
	// Temporary GDT: null, 64-bit code, data (SDM vol. 3, 3.4.5).
	a.b = binary.LittleEndian.AppendUint64(a.b, 0)
	a.b = binary.LittleEndian.AppendUint64(a.b, 0x00AF9A000000FFFF)
	a.b = binary.LittleEndian.AppendUint64(a.b, 0x00CF92000000FFFF)
	a.u16(3*8 - 1)
	a.u32(c.Base + stubGDTOff)
	a.u16(0) // pad to stubCodeOff

	pml4, pdpt, pd := c.PageTables, c.PageTables+0x1000, c.PageTables+0x2000
	a.movRR(ebp, eax) // keep the loader's magic
	a.movRR(esi, ebx) // and its info pointer
	// Zero the three table pages: cld; mov edi, pml4; xor eax, eax; mov ecx, 3*1024; rep stosd.
	a.u8(0xFC)
	a.movImm(edi, pml4)
	a.u8(0x31, 0xC0)
	a.movImm(ecx, 3*1024)
	a.u8(0xF3, 0xAB)
	a.storeImm(pml4, pdpt|ptePresent|pteWritable)
	a.storeImm(pdpt, pd|ptePresent|pteWritable)
	// 512 2 MiB pages: for edx, eax := pd, 0x83; ecx > 0; ... { [edx] = eax }
	a.movImm(edx, pd)
	a.movImm(eax, ptePresent|pteWritable|ptePageSize)
	a.movImm(ecx, earlyMapSize>>21)
	loop := len(a.b)
	a.u8(0x89, 0x02) // mov [edx], eax
	a.u8(0x05)       // add eax, 2 MiB
	a.u32(1 << 21)
	a.u8(0x83, 0xC2, 0x08)              // add edx, 8
	a.u8(0x49)                          // dec ecx
	a.u8(0x75, byte(loop-(len(a.b)+2))) // jnz loop
	// PAE, CR3, EFER.LME, then paging: we are in IA-32e mode (SDM vol. 3, 10.8.5).
	a.movFromCR(4)
	a.orEAX(cr4PAE)
	a.movToCR(4)
	a.movImm(eax, pml4)
	a.movToCR(3)
	a.movImm(ecx, 0xC0000080) // IA32_EFER
	a.u8(0x0F, 0x32)          // rdmsr
	a.orEAX(eferLM)
	a.u8(0x0F, 0x30) // wrmsr
	a.movFromCR(0)
	a.orEAX(cr0PG | cr0PE)
	a.movToCR(0)
	a.u8(0x0F, 0x01, 0x15) // lgdt [gdtr]
	a.u32(c.Base + stubGDTROff)
	a.movRR(edi, ebp)
	a.movImm(edx, c.AppEntry)
	a.movImm(ecx, c.ImageEnd)
	a.u8(0xEA) // jmp far stubCodeSel:Entry64
	a.u32(c.Entry64)
	a.u16(stubCodeSel)
	return a.b
}

// StubEntryOffset is the offset of the first instruction in Stub's output.
const StubEntryOffset = stubCodeOff

// Multiboot header flags (Multiboot 0.6.96 §3.1.2).
const (
	mbPageAlign  = 1 << 0
	mbMemInfo    = 1 << 1
	mbAoutKludge = 1 << 16
)

// MultibootLayout gives the addresses of the a.out-kludge header fields.
type MultibootLayout struct {
	HeaderAddr, LoadAddr, LoadEndAddr, BSSEndAddr, EntryAddr uint32
}

// MultibootHeader returns a 32-byte Multiboot v1 header with the a.out kludge.
// It must sit in the first 8 KiB of the file, 4-byte aligned, and the file
// must map linearly onto [LoadAddr, LoadEndAddr).
func MultibootHeader(l MultibootLayout) []byte {
	flags := uint32(mbPageAlign | mbMemInfo | mbAoutKludge)
	var b []byte
	for _, v := range []uint32{MultibootHeaderMagic, flags, -(MultibootHeaderMagic + flags),
		l.HeaderAddr, l.LoadAddr, l.LoadEndAddr, l.BSSEndAddr, l.EntryAddr} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// PVHNote returns an ELF note "Xen"/XEN_ELFNOTE_PHYS32_ENTRY carrying the
// 32-bit entry address, as QEMU, Firecracker and cloud-hypervisor read it.
func PVHNote(entry uint32) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 4) // namesz "Xen\0"
	b = binary.LittleEndian.AppendUint32(b, 8) // descsz
	b = binary.LittleEndian.AppendUint32(b, xenElfNotePhys32)
	b = append(b, 'X', 'e', 'n', 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(entry))
	return b
}
