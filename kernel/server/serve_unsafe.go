package server

import (
	"unsafe"

	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/mm"
)

// user is the calling program's memory [addr, addr+n). The caller is
// parked in the kernel until the server answers, so the memory stays
// valid; untouched pages fault in on access like the program's own.
func user(addr, n uintptr) []byte {
	if n == 0 || addr == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(mm.At(addr)), n)
}

// cstring reads a NUL-terminated path (at most PATH_MAX bytes).
func cstring(addr uintptr) string {
	if addr == 0 {
		return ""
	}
	n := 0
	for n < linux.PATH_MAX && *(*byte)(mm.At(addr + uintptr(n))) != 0 { // byte by byte: never past the NUL
		n++
	}
	return string(unsafe.Slice((*byte)(mm.At(addr)), n))
}

// recordAddr passes the request record's address to SysServe; the record
// is heap-allocated and kept alive by serveLoop.
func recordAddr(rec *[unigo.RecordLen]uint64) uintptr { return uintptr(unsafe.Pointer(rec)) }
