package platform

import (
	"fmt"
	"sync"
	"unsafe"

	"unigo/kernel/sys"
)

const pageSize = 4096

// physMem reads physical memory through the kernel's identity map of RAM,
// where firmware keeps the RSDP (the BIOS area below 1 MiB) and the
// tables (reserved RAM).
type physMem struct{}

func (physMem) Read(phys uint64, b []byte) error {
	// Page 0 stays unmapped (nil dereferences fault), so the BIOS data
	// area's EBDA pointer at 0x40E reads as an error: FindRSDP then
	// searches the BIOS area alone, where SeaBIOS puts the RSDP.
	if phys < pageSize || phys+uint64(len(b)) > uint64(sys.RAMEnd) || phys+uint64(len(b)) < phys {
		return fmt.Errorf("ACPI: %#x+%d is outside RAM", phys, len(b))
	}
	copy(b, unsafe.Slice((*byte)(at(uintptr(phys))), len(b)))
	return nil
}

// ecamWindow maps ECAM's 4 KiB function pages as the scan reaches them:
// the whole window is up to 256 MiB, of which a scan touches a few pages.
type ecamWindow struct {
	mu     sync.Mutex
	base   uintptr
	size   uintptr
	mapped map[uintptr]bool
}

func (w *ecamWindow) reg(off uintptr) *uint32 {
	if off+4 > w.size {
		return nil
	}
	page := (w.base + off) &^ (pageSize - 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.mapped[page] {
		if _, err := MapWindow(uint64(page), pageSize); err != nil {
			return nil
		}
		w.mapped[page] = true
	}
	return (*uint32)(at(w.base + off))
}

func (w *ecamWindow) Read32(off uintptr) uint32 {
	r := w.reg(off)
	if r == nil {
		return ^uint32(0)
	}
	return atomicLoad(r)
}

func (w *ecamWindow) Write32(off uintptr, v uint32) {
	if r := w.reg(off); r != nil {
		atomicStore(r, v)
	}
}
