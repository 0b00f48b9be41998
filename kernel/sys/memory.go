package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/mm"
	"unigo/kernel/trap"
)

// Memory calls: anonymous mappings in the one address space (kernel/mm).

func mmap(addr, length, prot, flags, fd uintptr) uintptr {
	if flags&linux.MAP_ANONYMOUS == 0 {
		return linux.ENODEV.Ret() // no files to map yet
	}
	a, e := mm.Program.Mmap(addr, length, uint32(prot), flags&linux.MAP_FIXED != 0, flags&linux.MAP_NORESERVE != 0)
	if e != 0 {
		return e.Ret()
	}
	return a
}

func madvise(addr, length uintptr, advice int) uintptr {
	switch advice {
	case linux.MADV_DONTNEED, linux.MADV_FREE:
		return mm.Program.Discard(addr, length).Ret()
	}
	return 0
}

// The table's handlers (table.go) of the memory calls.

func sysMmap(_ *trap.Frame, a [6]uintptr) uintptr   { return mmap(a[0], a[1], a[2], a[3], a[4]) }
func sysMunmap(_ *trap.Frame, a [6]uintptr) uintptr { return mm.Program.Munmap(a[0], a[1]).Ret() }
func sysMprotect(_ *trap.Frame, a [6]uintptr) uintptr {
	return mm.Program.Mprotect(a[0], a[1], uint32(a[2])).Ret()
}
func sysMadvise(_ *trap.Frame, a [6]uintptr) uintptr { return madvise(a[0], a[1], int(a[2])) }
