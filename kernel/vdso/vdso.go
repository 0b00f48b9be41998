// Package vdso builds unigo's virtual dynamic shared object: a one-page
// ELF whose __vdso_clock_gettime reads the TSC in the program's own
// context, as Linux's vDSO does, so that the Go runtime's nanotime and
// walltime cost no system call. The kernel passes the page to the
// program in the auxiliary vector (AT_SYSINFO_EHDR).
//
// The page holds the ELF header, a PT_LOAD and a PT_DYNAMIC program
// header, a dynamic section (DT_HASH, DT_STRTAB, DT_SYMTAB), a one-bucket
// hash table, one symbol, and the code, hand-assembled below and checked
// with x86asm in vdso_test.go. The clock parameters live in the same
// page at ParamsOff: TSC at boot, ns per tick in 32.32 fixed point, and
// the wall-clock time of boot in ns.
package vdso

import "encoding/binary"

// Layout of the page.
const (
	Size      = 4096
	phOff     = 64
	dynOff    = 176 // 7 entries
	hashOff   = 288
	symOff    = 312
	strOff    = 360
	CodeOff   = 384
	verdefOff = 460
	ParamsOff = 512
	symEntry  = 24
)

// Symbol is the one function the page exports (the Go runtime looks it
// up by name, version LINUX_2.6 optional).
const Symbol = "__vdso_clock_gettime"

// ELF constants (System V gABI).
const (
	etDyn        = 3
	emX86_64     = 62
	ptLoad       = 1
	ptDynamic    = 2
	dtNull       = 0
	dtHash       = 4
	dtStrtab     = 5
	dtSymtab     = 6
	dtStrsz      = 10
	dtSyment     = 11
	dtVerdef     = 0x6ffffffc
	verFlgBase   = 1
	stFuncGlobal = 1<<4 | 2 // STB_GLOBAL, STT_FUNC
)

// Code computes clock_gettime(clockid in EDI, *timespec in RSI):
//
//	ns = ((rdtsc - tsc0) * mult) >> 32, plus bootNs for the realtime
//	clocks (CLOCK_REALTIME 0, CLOCK_REALTIME_COARSE 5, CLOCK_TAI 11);
//	ts = {ns / 1e9, ns % 1e9}; return 0.
//
// Code writes the code into dst (at least CodeLen bytes); params is the
// absolute address of the parameters. It allocates nothing: the kernel
// builds the page before the Go runtime exists.
func Code(dst []byte, params uint64) []byte {
	c := dst[:CodeLen]
	copy(c, codeTemplate[:])
	binary.LittleEndian.PutUint64(c[11:], params)
	return c
}

// CodeLen is the length of the code.
const CodeLen = len(codeTemplate)

var codeTemplate = [...]byte{
	0x0F, 0x31, // rdtsc
	0x48, 0xC1, 0xE2, 0x20, // shl rdx, 32
	0x48, 0x09, 0xD0, // or rax, rdx
	0x48, 0xB9, 0, 0, 0, 0, 0, 0, 0, 0, // mov rcx, params
	0x48, 0x2B, 0x01, // sub rax, [rcx]         (tsc0)
	0x48, 0xF7, 0x61, 0x08, // mul qword [rcx+8]       (mult)
	0x48, 0x0F, 0xAC, 0xD0, 0x20, // shrd rax, rdx, 32
	0x85, 0xFF, // test edi, edi
	0x74, 0x0A, // je add
	0x83, 0xFF, 0x05, // cmp edi, 5
	0x74, 0x05, // je add
	0x83, 0xFF, 0x0B, // cmp edi, 11
	0x75, 0x04, // jne split
	0x48, 0x03, 0x41, 0x10, // add: add rax, [rcx+16]  (bootNs)
	0x31, 0xD2, // split: xor edx, edx
	0x48, 0xBF, 0x00, 0xCA, 0x9A, 0x3B, 0, 0, 0, 0, // mov rdi, 1000000000
	0x48, 0xF7, 0xF7, // div rdi
	0x48, 0x89, 0x06, // mov [rsi], rax
	0x48, 0x89, 0x56, 0x08, // mov [rsi+8], rdx
	0x31, 0xC0, // xor eax, eax
	0xC3, // ret
}

// Build writes the page into b (len Size) for a page mapped at base.
func Build(b []byte, base uint64) {
	clear(b[:Size])
	le := binary.LittleEndian
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], etDyn)
	le.PutUint16(b[18:], emX86_64)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[32:], phOff)
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 2)
	le.PutUint16(b[58:], 64)
	ph := func(i int, typ, flags uint32, off, size, align uint64) {
		p := b[phOff+56*i:]
		le.PutUint32(p[0:], typ)
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], off)
		le.PutUint64(p[24:], off)
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		le.PutUint64(p[48:], align)
	}
	ph(0, ptLoad, 5, 0, Size, Size)
	ph(1, ptDynamic, 4, dynOff, 7*16, 8)
	// The runtime walks DT_VERDEF whenever it finds a vDSO; one base
	// definition (and no DT_VERSYM) means "no symbol versions".
	for i, d := range [...][2]uint64{{dtHash, hashOff}, {dtStrtab, strOff}, {dtSymtab, symOff},
		{dtStrsz, uint64(len(Symbol) + 2)}, {dtSyment, symEntry}, {dtVerdef, verdefOff}, {dtNull, 0}} {
		le.PutUint64(b[dynOff+16*i:], d[0])
		le.PutUint64(b[dynOff+16*i+8:], d[1])
	}
	// One bucket whose chain starts and ends at symbol 1.
	for i, v := range [...]uint32{1, 2, 1, 0, 0} {
		le.PutUint32(b[hashOff+4*i:], v)
	}
	code := Code(b[CodeOff:], base+ParamsOff)
	s := b[symOff+symEntry:]
	le.PutUint32(s[0:], 1) // st_name
	s[4] = stFuncGlobal
	le.PutUint16(s[6:], 1) // st_shndx: defined
	le.PutUint64(s[8:], CodeOff)
	le.PutUint64(s[16:], uint64(len(code)))
	copy(b[strOff+1:], Symbol)
	v := b[verdefOff:] // Elf64_Verdef: version, flags, ndx, cnt, hash, aux, next
	le.PutUint16(v[0:], 1)
	le.PutUint16(v[2:], verFlgBase)
	le.PutUint16(v[4:], 1)
}

// SetParams stores the clock parameters in a built page.
func SetParams(b []byte, tsc0, mult uint64, bootNs int64) {
	le := binary.LittleEndian
	le.PutUint64(b[ParamsOff:], tsc0)
	le.PutUint64(b[ParamsOff+8:], mult)
	le.PutUint64(b[ParamsOff+16:], uint64(bootNs))
}
