package sys

import (
	"unsafe"

	"unigo/kernel/mm"
)

// userBytes returns the program's memory [addr, addr+n) as a slice,
// demand-paging it in first. The kernel shares the program's address
// space, so after Prefault the slice is plain memory; it never points into
// the Go heap's bookkeeping and is never stored.
func userBytes(addr, n uintptr, write bool) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	if addr == 0 || !mm.Program.Prefault(addr, n, write) {
		return nil, false
	}
	return unsafe.Slice((*byte)(mm.At(addr)), n), true
}

// load32/store32/load64/store64 access one word of program memory.
func load32(addr uintptr) (uint32, bool) {
	if addr == 0 || addr&3 != 0 || !mm.Program.Prefault(addr, 4, false) {
		return 0, false
	}
	return *(*uint32)(mm.At(addr)), true
}

func load64(addr uintptr) (uint64, bool) {
	if addr == 0 || !mm.Program.Prefault(addr, 8, false) {
		return 0, false
	}
	return *(*uint64)(mm.At(addr)), true
}

func store64(addr uintptr, v uint64) bool {
	if addr == 0 || !mm.Program.Prefault(addr, 8, true) {
		return false
	}
	*(*uint64)(mm.At(addr)) = v
	return true
}

// fxArea returns thread slot i's FXSAVE area (512 bytes, 16-aligned).
func fxArea(i int) uintptr {
	base := (uintptr(unsafe.Pointer(&fxMem[0])) + 15) &^ 15
	return base + uintptr(i)*fxSize
}

// copyFX copies an FXSAVE area.
func copyFX(dst, src uintptr) {
	*(*[fxSize]byte)(mm.At(dst)) = *(*[fxSize]byte)(mm.At(src))
}

// initFX gives an area the state FNINIT and the SysV ABI start with:
// x87 control word 0x37F, MXCSR 0x1F80, all exceptions masked (SDM vol. 1, 10.5.1).
func initFX(at uintptr) {
	*(*[fxSize]byte)(mm.At(at)) = [fxSize]byte{}
	*(*uint16)(mm.At(at)) = 0x037F
	*(*uint32)(mm.At(at + 24)) = 0x1F80
}

// mxcsr points at the MXCSR field of an FXSAVE area (SDM vol. 1, table 10-2).
func mxcsr(fx uintptr) *uint32 { return (*uint32)(mm.At(fx + 24)) }

// crashForTest reads address p in trap context: with p = 0 the kernel
// faults (SysTestKernelFault).
//
//go:noinline
func crashForTest(p uintptr) uint64 { return *(*uint64)(mm.At(p)) }

// readable reports whether the 8 bytes at addr can be read without a
// fault: mapped in the address space the kernel shares with the program.
func readable(addr uintptr) bool {
	if addr < mm.PageSize || addr+8 < addr {
		return false
	}
	_, ok := mm.Program.PT.Translate(addr)
	_, ok2 := mm.Program.PT.Translate(addr + 7)
	return ok && ok2
}

// peek and peekByte read kernel or program memory that readable vouched for.
func peek(addr uintptr) uintptr { return *(*uintptr)(mm.At(addr)) }

func peekByte(addr uintptr) byte { return *(*byte)(mm.At(addr)) }
