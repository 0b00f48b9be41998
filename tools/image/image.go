// Package image turns the ELF that the Go linker wrote for a program
// (with unigo/kernel linked in) into a unigo image: the same ELF, still
// runnable as a Linux executable, with a Multiboot v1 header, a PVH ELF
// note and the 32-bit boot stub written into the unused part of its first
// page, and the section headers moved to the end of the file to make room.
//
// This works because the Go linker lays out amd64 executables flat: every
// PT_LOAD has vaddr - offset = 0x400000 and paddr = vaddr, so the file is
// also a memory image, which the Multiboot a.out kludge needs.
package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"unigo/boot"
)

// Symbols the kernel provides (see kernel/kernel.go and kernel/entry_amd64.s).
const (
	SymEntry64     = "unigo/kernel.entry64"
	SymEarlyTables = "unigo/kernel.earlyTables"
)

// Marker identifies a unigo image; it sits in the first page.
var Marker = []byte("UNIGO-IMAGE-v1\x00\x00")

const (
	ehdrSize = 64
	phdrSize = 56
	shdrSize = 64
	pageSize = 4096
)

// Info describes a converted image.
type Info struct {
	Base, Entry, StubEntry, LoadEnd, BSSEnd uint64
	MultibootOff, PVHNoteOff, StubOff       int
}

// Convert returns the image made from the Go ELF in exe.
func Convert(exe []byte) ([]byte, *Info, error) {
	f, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		return nil, nil, fmt.Errorf("not an ELF executable: %v", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		return nil, nil, errors.New("not a static linux/amd64 executable (build with GOOS=linux GOARCH=amd64 CGO_ENABLED=0)")
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil, fmt.Errorf("no symbol table (was it built with -ldflags=-s?): %v", err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	entry64, ok1 := lookup(addr, SymEntry64)
	tables, ok2 := lookup(addr, SymEarlyTables)
	if !ok1 || !ok2 {
		return nil, nil, errors.New("the unigo kernel is not linked in (missing " + SymEntry64 + "): build with unigo build")
	}

	info := &Info{Entry: f.Entry}
	var firstSection uint64 = pageSize
	var gnuStack = -1
	for i, p := range f.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			if info.Base == 0 {
				info.Base = p.Vaddr - p.Off
			}
			if p.Vaddr-p.Off != info.Base || p.Paddr != p.Vaddr {
				return nil, nil, fmt.Errorf("segment at %#x is not laid out flat (vaddr-offset %#x, want %#x)", p.Vaddr, p.Vaddr-p.Off, info.Base)
			}
			info.LoadEnd = max(info.LoadEnd, p.Vaddr+p.Filesz)
			info.BSSEnd = max(info.BSSEnd, p.Vaddr+p.Memsz)
		case elf.PT_GNU_STACK:
			gnuStack = i
		}
	}
	for _, s := range f.Sections {
		if s.Addr != 0 && s.Offset < firstSection && s.Offset > 0 {
			firstSection = s.Offset
		}
	}
	if info.Base != 0x400000 {
		return nil, nil, fmt.Errorf("text at %#x: want the Go linker's default 0x400000", info.Base)
	}
	if gnuStack < 0 {
		return nil, nil, errors.New("no PT_GNU_STACK program header to reuse for the PVH note")
	}
	if info.BSSEnd >= 1<<30 {
		return nil, nil, errors.New("image larger than the boot stub's 1 GiB identity map")
	}

	out := append([]byte(nil), exe...)
	le := binary.LittleEndian
	phoff := le.Uint64(out[32:])
	phnum := uint64(le.Uint16(out[56:]))
	shoff := le.Uint64(out[40:])
	shnum := uint64(le.Uint16(out[60:]))
	free := phoff + phnum*phdrSize
	if shoff < pageSize { // move the section headers out of the first page
		sh := append([]byte(nil), out[shoff:shoff+shnum*shdrSize]...)
		for i := shoff; i < shoff+shnum*shdrSize; i++ {
			out[i] = 0
		}
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		le.PutUint64(out[40:], uint64(len(out)))
		out = append(out, sh...)
	} else if shoff < firstSection {
		firstSection = shoff
	}

	if free, err = splitBSS(out, info, free); err != nil {
		return nil, nil, err
	}

	// Lay out: marker, Multiboot header, PVH note, stub.
	pos := (free + 15) &^ 15
	markerOff := pos
	pos += uint64(len(Marker))
	info.MultibootOff = int(pos)
	pos += 32
	info.PVHNoteOff = int(pos)
	pos += 24
	pos = (pos + 7) &^ 7
	info.StubOff = int(pos)
	cfg := boot.StubConfig{
		Base:       uint32(info.Base + pos),
		PageTables: uint32((tables + pageSize - 1) &^ (pageSize - 1)),
		Entry64:    uint32(entry64),
		AppEntry:   uint32(f.Entry),
		ImageEnd:   uint32((info.BSSEnd + pageSize - 1) &^ (pageSize - 1)),
	}
	stub := boot.Stub(cfg)
	info.StubEntry = uint64(cfg.Base) + boot.StubEntryOffset
	if pos+uint64(len(stub)) > firstSection || firstSection > pageSize {
		return nil, nil, fmt.Errorf("no room for the boot stub in the first page (%d bytes free)", int64(firstSection)-int64(markerOff))
	}
	copy(out[markerOff:], Marker)
	copy(out[info.MultibootOff:], boot.MultibootHeader(boot.MultibootLayout{
		HeaderAddr:  uint32(info.Base) + uint32(info.MultibootOff),
		LoadAddr:    uint32(info.Base),
		LoadEndAddr: uint32(info.LoadEnd),
		BSSEndAddr:  uint32(info.BSSEnd),
		EntryAddr:   uint32(info.StubEntry),
	}))
	copy(out[info.MultibootOff:], []byte{0, 0, 0, 0}) // latent: see WithMultiboot
	note := boot.PVHNote(uint32(info.StubEntry))
	copy(out[info.PVHNoteOff:], note)
	copy(out[info.StubOff:], stub)

	// PT_GNU_STACK becomes the PT_NOTE that PVH loaders read.
	ph := out[phoff+uint64(gnuStack)*phdrSize:]
	le.PutUint32(ph[0:], uint32(elf.PT_NOTE))
	le.PutUint32(ph[4:], uint32(elf.PF_R))
	le.PutUint64(ph[8:], uint64(info.PVHNoteOff))
	le.PutUint64(ph[16:], info.Base+uint64(info.PVHNoteOff))
	le.PutUint64(ph[24:], info.Base+uint64(info.PVHNoteOff))
	le.PutUint64(ph[32:], uint64(len(note)))
	le.PutUint64(ph[40:], uint64(len(note)))
	le.PutUint64(ph[48:], 4)
	return out, info, nil
}

// bssNowhere is the load address the BSS segment gets for PVH loaders:
// no memory answers there, so the zeroes QEMU writes for it go nowhere.
const bssNowhere = 0xFFFF_F000_0000_0000

// splitBSS moves the part of the BSS that starts on a page of its own into
// a program header of its own whose physical load address (p_paddr) is
// bssNowhere. Linux maps program segments by their virtual address, so the
// image still runs as a Linux executable with its BSS demand-zero; QEMU
// loads by physical address, so it no longer zeroes those pages of guest
// RAM, which are zero already (fresh guest memory is), and the host does
// not back them until the program touches them: the Go runtime keeps a
// 32 MiB FIPS entropy buffer in the BSS that most programs never use
// (crypto/internal/fips140/drbg), and its zeroing cost every guest 32 MiB
// of host memory and a tenth of a second of boot under TCG. The kernel
// still reserves the whole range (the stub's ImageEnd), and Multiboot
// loaders, which read the a.out kludge's bss_end_addr, still zero it.
func splitBSS(out []byte, info *Info, free uint64) (uint64, error) {
	le := binary.LittleEndian
	phoff := le.Uint64(out[32:])
	phnum := uint64(le.Uint16(out[56:]))
	rw := -1
	for i := uint64(0); i < phnum; i++ {
		ph := out[phoff+i*phdrSize:]
		if elf.ProgType(le.Uint32(ph[0:])) == elf.PT_LOAD && elf.ProgFlag(le.Uint32(ph[4:]))&elf.PF_W != 0 {
			rw = int(i)
		}
	}
	if rw < 0 {
		return free, nil
	}
	ph := out[phoff+uint64(rw)*phdrSize:]
	vaddr, filesz, memsz := le.Uint64(ph[16:]), le.Uint64(ph[32:]), le.Uint64(ph[40:])
	start := (vaddr + filesz + pageSize - 1) &^ (pageSize - 1)
	end := vaddr + memsz
	if end <= start || free != phoff+phnum*phdrSize {
		return free, nil // no BSS page of its own, or the table cannot grow in place
	}
	le.PutUint64(ph[40:], start-vaddr)
	n := out[free : free+phdrSize]
	le.PutUint32(n[0:], uint32(elf.PT_LOAD))
	le.PutUint32(n[4:], uint32(elf.PF_R|elf.PF_W))
	le.PutUint64(n[8:], start-info.Base) // congruent to vaddr modulo the alignment; nothing is read
	le.PutUint64(n[16:], start)
	le.PutUint64(n[24:], bssNowhere)
	le.PutUint64(n[32:], 0)
	le.PutUint64(n[40:], end-start)
	le.PutUint64(n[48:], pageSize)
	le.PutUint16(out[56:], uint16(phnum+1))
	for i := uint64(0); i < phnum; i++ { // PT_PHDR describes the table
		p := out[phoff+i*phdrSize:]
		if elf.ProgType(le.Uint32(p[0:])) == elf.PT_PHDR {
			le.PutUint64(p[32:], (phnum+1)*phdrSize)
			le.PutUint64(p[40:], (phnum+1)*phdrSize)
		}
	}
	return free + phdrSize, nil
}

// lookup finds an assembly (ABI0) symbol, which the linker suffixes
// when Go code also refers to it: the plain name is then an ABIInternal
// wrapper, which pushes onto a stack the boot stub does not have.
func lookup(addr map[string]uint64, name string) (uint64, bool) {
	if a, ok := addr[name+".abi0"]; ok {
		return a, true
	}
	a, ok := addr[name]
	return a, ok
}

// Check tells whether b (the start of a file) is a unigo image.
func Check(b []byte) error {
	if len(b) < 4 || !bytes.Equal(b[:4], []byte("\x7fELF")) {
		return errors.New("not a unigo image (not an ELF file; build one with: unigo build)")
	}
	if !bytes.Contains(b[:min(len(b), pageSize)], Marker) {
		return errors.New("not a unigo image (an ELF file without the unigo boot stub; build one with: unigo build)")
	}
	return nil
}

// The Multiboot header ships latent: Convert writes it whole but with
// its magic zeroed, because QEMU boots a file through Multiboot whenever
// it finds the header, and PVH (unigo run's default) is faster and
// carries more (the RSDP, the memory map without the a.out kludge's
// limits). So the default boot reads the image in place, with no copy;
// WithMultiboot makes the copy that Multiboot loaders (unigo run -boot
// multiboot, GRUB through unigo build -multiboot) need.

// multibootAt returns the offset of the header that follows the marker
// in the first page, and whether its magic is set.
func multibootAt(img []byte) (off int, active, ok bool) {
	i := bytes.Index(img[:min(len(img), pageSize)], Marker)
	if i < 0 {
		return 0, false, false
	}
	off = i + len(Marker)
	if off+12 > len(img) {
		return 0, false, false
	}
	le := binary.LittleEndian
	magic, flags, sum := le.Uint32(img[off:]), le.Uint32(img[off+4:]), le.Uint32(img[off+8:])
	if flags+sum+boot.MultibootHeaderMagic != 0 || magic != 0 && magic != boot.MultibootHeaderMagic {
		return 0, false, false
	}
	return off, magic != 0, true
}

// MultibootActive reports whether img (at least its first page) has an
// active Multiboot header, which QEMU would boot instead of PVH.
func MultibootActive(img []byte) bool {
	_, active, ok := multibootAt(img)
	return ok && active
}

// WithMultiboot returns a copy of img whose Multiboot header is active.
func WithMultiboot(img []byte) []byte {
	out := append([]byte(nil), img...)
	if off, _, ok := multibootAt(out); ok {
		binary.LittleEndian.PutUint32(out[off:], boot.MultibootHeaderMagic)
	}
	return out
}

// WithoutMultiboot returns a copy of img whose Multiboot header is
// latent, so that QEMU boots the image through its PVH note.
func WithoutMultiboot(img []byte) []byte {
	out := append([]byte(nil), img...)
	magic := binary.LittleEndian.AppendUint32(nil, boot.MultibootHeaderMagic)
	if i := bytes.Index(out[:min(len(out), 8192)], magic); i >= 0 {
		copy(out[i:], []byte{0, 0, 0, 0})
	}
	return out
}

// Floor returns the smallest PVH-bootable ELF: its first instruction
// writes 0 to isa-debug-exit, so QEMU exits at once. Booting it measures
// the machine's floor: what QEMU and firmware cost before any kernel runs.
func Floor() []byte {
	const (
		base    = 0x100000
		noteOff = 0xB0
		codeOff = 0xD0
	)
	le := binary.LittleEndian
	b := make([]byte, 0x100)
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], base+codeOff)
	le.PutUint64(b[32:], ehdrSize)
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], 2)
	le.PutUint16(b[58:], shdrSize)
	ph := func(i int, typ elf.ProgType, flags elf.ProgFlag, off, size uint64) {
		p := b[ehdrSize+i*phdrSize:]
		le.PutUint32(p[0:], uint32(typ))
		le.PutUint32(p[4:], uint32(flags))
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], base+off)
		le.PutUint64(p[24:], base+off)
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		le.PutUint64(p[48:], 4)
	}
	ph(0, elf.PT_LOAD, elf.PF_R|elf.PF_X, 0, uint64(len(b)))
	note := boot.PVHNote(base + codeOff)
	ph(1, elf.PT_NOTE, elf.PF_R, noteOff, uint64(len(note)))
	copy(b[noteOff:], note)
	// mov al, 0; out 0xf4, al; cli; hlt; jmp $-2
	copy(b[codeOff:], []byte{0xB0, 0x00, 0xE6, 0xF4, 0xFA, 0xF4, 0xEB, 0xFD})
	return b
}

// MinMemoryMB is the guest memory below which img cannot even be loaded:
// the end of its loaded segments plus 1 MiB for the kernel's first
// frames, in MiB, rounded up.
func MinMemoryMB(img io.ReaderAt) int {
	f, err := elf.NewFile(img)
	if err != nil {
		return 0
	}
	var end uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			end = max(end, p.Vaddr+p.Memsz) // the image is identity-placed: see splitBSS for p_paddr
		}
	}
	return int((end + 2<<20 - 1) >> 20)
}
