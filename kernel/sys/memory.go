package sys

import (
	"unigo/kernel/mm"
)

// mmap flags (include/uapi/asm-generic/mman-common.h, linux/mman.h).
const (
	mapShared    = 0x01
	mapFixed     = 0x10
	mapAnonymous = 0x20
	mapNoreserve = 0x4000
	madvDontneed = 4
	madvFree     = 8
)

func mmap(addr, length, prot, flags, fd uintptr) uintptr {
	if flags&mapAnonymous == 0 {
		return errno(19) // ENODEV: no files to map yet
	}
	a, e := Space.Mmap(addr, length, uint32(prot), flags&mapFixed != 0, flags&mapNoreserve != 0)
	if e != mm.OK {
		return errno(e)
	}
	return a
}

func madvise(addr, length uintptr, advice int) uintptr {
	switch advice {
	case madvDontneed, madvFree:
		return fromMM(Space.Discard(addr, length))
	}
	return 0
}

func fromMM(e int) uintptr {
	if e != 0 {
		return errno(e)
	}
	return 0
}
