// Package pci enumerates PCI devices, reads and sizes their BARs, walks
// their capability lists and programs their message-signalled
// interrupts (MSI and MSI-X, msi.go). Configuration space is reached in one of
// two ways, both behind the Access interface so that the logic runs
// under go test:
//
//   - Mech1: configuration mechanism #1, ports 0xCF8/0xCFC (PCI Local Bus
//     spec 3.0 §3.2.2.3.2), 256 bytes per function, every PC has it;
//   - ECAM: the PCI Express Enhanced Configuration Access Mechanism (PCIe
//     base spec §7.2.2), 4 KiB per function memory-mapped, at the
//     addresses the ACPI MCFG table gives (acpi.MCFGEntry.Region).
package pci

// Configuration mechanism #1 ports and the enable bit.
const (
	portAddress = 0xCF8
	portData    = 0xCFC
	enable      = 1 << 31
)

// Sizes of configuration space and of the address fields (PCI 3.0 §6.1,
// PCIe base spec §7.2.2).
const (
	legacySpace = 0x100  // bytes per function under mechanism #1
	extSpace    = 0x1000 // bytes per function under ECAM
	maxSlot     = 31
	maxFunc     = 7
	allOnes     = 0xFFFFFFFF // what a read of an absent function returns
)

// Configuration-space registers (PCI spec §6.1).
const (
	RegVendor     = 0x00
	RegDevice     = 0x02
	RegCommand    = 0x04
	RegStatus     = 0x06
	RegHeaderType = 0x0E
	RegBAR0       = 0x10
	RegSecondary  = 0x19 // type-1 header: secondary bus number
	RegIOBase     = 0x1C // type-1 header: I/O base, I/O limit, then secondary status (0x1E)
	RegCapPtr     = 0x34
	statusCapList = 1 << 4
	cmdIO         = 1 << 0
	cmdMemory     = 1 << 1
	cmdBusMaster  = 1 << 2
	headerBridge  = 0x01
	headerMulti   = 0x80
	headerType    = 0x7F
)

// BAR fields (PCI 3.0 §6.2.5.1).
const (
	barIO       = 1 << 0
	barType     = 0x6 // memory BAR: bits 1-2
	barType64   = 0x4
	barPrefetch = 1 << 3
	barMemMask  = 0xF // low bits of a memory BAR that are not address
	barIOMask   = 0x3 // low bits of an I/O BAR that are not address
	barsType0   = 6   // BARs in a type-0 header
	barsType1   = 2   // BARs in a type-1 (PCI-to-PCI bridge) header
)

// PCI Express extended capabilities (PCIe base spec §7.6.3): a list from
// offset 0x100, each header dword holding the id (bits 15:0), the version
// (19:16) and the next offset (31:20, low 2 bits reserved).
const (
	extCapStart = 0x100
	maxExtCaps  = (extSpace - extCapStart) / 4
)

// Access reads and writes configuration space dwords of any function.
// off is aligned down to 4. An absent function, or an offset the
// mechanism cannot reach, reads as all ones and ignores writes.
type Access interface {
	Read32(bus, slot, fn uint8, off uint16) uint32
	Write32(bus, slot, fn uint8, off uint16, v uint32)
}

// Ports is 32-bit port I/O.
type Ports interface {
	In32(port uint16) uint32
	Out32(port uint16, v uint32)
}

// Mech1 is configuration mechanism #1 over ports 0xCF8/0xCFC. It reaches
// the first 256 bytes of each function only.
type Mech1 struct {
	IO Ports
}

func mech1Addr(bus, slot, fn uint8, off uint16) uint32 {
	return enable | uint32(bus)<<16 | uint32(slot)<<11 | uint32(fn)<<8 | uint32(off&0xFC)
}

func inRange(slot, fn uint8, off, size uint16) bool {
	return slot <= maxSlot && fn <= maxFunc && off < size
}

// Read32 reads the dword at off; all ones for off >= 0x100.
func (m Mech1) Read32(bus, slot, fn uint8, off uint16) uint32 {
	if !inRange(slot, fn, off, legacySpace) {
		return allOnes
	}
	m.IO.Out32(portAddress, mech1Addr(bus, slot, fn, off))
	return m.IO.In32(portData)
}

// Write32 writes the dword at off; nothing for off >= 0x100.
func (m Mech1) Write32(bus, slot, fn uint8, off uint16, v uint32) {
	if !inRange(slot, fn, off, legacySpace) {
		return
	}
	m.IO.Out32(portAddress, mech1Addr(bus, slot, fn, off))
	m.IO.Out32(portData, v)
}

// Window is 32-bit access to a memory-mapped region, at offsets from its
// start. For ECAM it must be mapped uncached, and each call must be one
// aligned 32-bit load or store (PCIe base spec §7.2.2).
type Window interface {
	Read32(off uintptr) uint32
	Write32(off uintptr, v uint32)
}

// ECAM layout (PCIe base spec §7.2.2): 1 MiB per bus, 32 KiB per device,
// 4 KiB per function.
const (
	ecamBusShift  = 20
	ecamSlotShift = 15
	ecamFuncShift = 12
)

// ECAM is the PCI Express Enhanced Configuration Access Mechanism for
// buses StartBus..EndBus of one segment. Window maps their configuration
// space: offset 0 is StartBus, device 0, function 0, so function
// (bus, slot, fn) register off is at
//
//	(bus-StartBus)<<20 | slot<<15 | fn<<12 | off
//
// (an MCFG entry's base address is that of bus 0: map from base +
// StartBus<<20, as acpi.MCFGEntry.Region does). Buses outside the range
// read as all ones.
type ECAM struct {
	Window           Window
	StartBus, EndBus uint8
}

// Size returns the bytes Window must span.
func (e ECAM) Size() uintptr {
	if e.EndBus < e.StartBus {
		return 0
	}
	return (uintptr(e.EndBus) - uintptr(e.StartBus) + 1) << ecamBusShift
}

func (e ECAM) offset(bus, slot, fn uint8, off uint16) (uintptr, bool) {
	if bus < e.StartBus || bus > e.EndBus || !inRange(slot, fn, off, extSpace) {
		return 0, false
	}
	return uintptr(bus-e.StartBus)<<ecamBusShift | uintptr(slot)<<ecamSlotShift | uintptr(fn)<<ecamFuncShift | uintptr(off&^3), true
}

// Read32 reads the dword at off (below 0x1000).
func (e ECAM) Read32(bus, slot, fn uint8, off uint16) uint32 {
	o, ok := e.offset(bus, slot, fn, off)
	if !ok {
		return allOnes
	}
	return e.Window.Read32(o)
}

// Write32 writes the dword at off (below 0x1000).
func (e ECAM) Write32(bus, slot, fn uint8, off uint16, v uint32) {
	if o, ok := e.offset(bus, slot, fn, off); ok {
		e.Window.Write32(o, v)
	}
}

// Config reads and writes one function's configuration space.
type Config struct {
	// Access reaches configuration space. When it is nil, mechanism #1
	// over IO is used (the form callers built before ECAM existed).
	Access          Access
	IO              Ports
	Bus, Slot, Func uint8
}

// ReadExt32 reads the dword at off (aligned down to 4), which may lie in
// PCI Express extended configuration space (0x100-0xFFF): reachable
// through ECAM only; mechanism #1 reads all ones there.
func (c Config) ReadExt32(off uint16) uint32 {
	switch {
	case c.Access != nil:
		return c.Access.Read32(c.Bus, c.Slot, c.Func, off&^3)
	case c.IO != nil:
		return Mech1{c.IO}.Read32(c.Bus, c.Slot, c.Func, off&^3)
	}
	return allOnes
}

// WriteExt32 writes the dword at off, as ReadExt32 reads it.
func (c Config) WriteExt32(off uint16, v uint32) {
	switch {
	case c.Access != nil:
		c.Access.Write32(c.Bus, c.Slot, c.Func, off&^3, v)
	case c.IO != nil:
		Mech1{c.IO}.Write32(c.Bus, c.Slot, c.Func, off&^3, v)
	}
}

// Read32 reads the dword at off (aligned down to 4).
func (c Config) Read32(off uint8) uint32 { return c.ReadExt32(uint16(off)) }

// Write32 writes the dword at off.
func (c Config) Write32(off uint8, v uint32) { c.WriteExt32(uint16(off), v) }

// Read16 reads the word at off.
func (c Config) Read16(off uint8) uint16 { return uint16(c.Read32(off) >> (8 * (off & 2))) }

// Read8 reads the byte at off.
func (c Config) Read8(off uint8) uint8 { return uint8(c.Read32(off) >> (8 * (off & 3))) }

// Write16 writes the word at off. Configuration space is written in
// dwords, so the other half of the dword is written too: with the value
// it reads, except where that half is a status register, whose bits are
// read-only or RW1C (PCI 3.0 §6.2.3; PCI-to-PCI Bridge spec 1.2 §3.2.5
// for a bridge's secondary status): writing back a 1 read from an RW1C
// bit would clear it, so the status half is written as 0, which changes
// nothing. That covers the Command register (beside Status) and a
// bridge's I/O base and limit (beside Secondary Status). Other registers
// next to RW1C bits (PCI Express capability control/status pairs) need
// Write32 with the status half masked by the caller.
func (c Config) Write16(off uint8, v uint16) {
	shift := 8 * uint32(off&2)
	var other uint32
	if off&2 != 0 || !c.statusBeside(off) {
		other = c.Read32(off) &^ (0xFFFF << shift)
	}
	c.Write32(off, other|uint32(v)<<shift)
}

// statusBeside reports whether the upper half of off's dword is a
// status register with RW1C bits.
func (c Config) statusBeside(off uint8) bool {
	switch off &^ 3 {
	case RegCommand:
		return true
	case RegIOBase:
		return c.Read8(RegHeaderType)&headerType == headerBridge
	}
	return false
}

// Device is one function found by Scan.
type Device struct {
	Config
	Vendor, ID uint16
}

// Scan lists the functions on bus 0 and behind its bridges, reaching
// configuration space through a (Mech1 or ECAM).
func Scan(a Access) []Device {
	var out []Device
	seen := map[uint8]bool{}
	var scan func(bus uint8)
	scan = func(bus uint8) {
		if seen[bus] {
			return
		}
		seen[bus] = true
		for slot := uint8(0); slot <= maxSlot; slot++ {
			for fn := uint8(0); fn <= maxFunc; fn++ {
				c := Config{Access: a, Bus: bus, Slot: slot, Func: fn}
				v := c.Read16(RegVendor)
				if v == 0xFFFF {
					if fn == 0 {
						break
					}
					continue
				}
				out = append(out, Device{Config: c, Vendor: v, ID: c.Read16(RegDevice)})
				ht := c.Read8(RegHeaderType)
				if ht&headerType == headerBridge {
					scan(c.Read8(RegSecondary))
				}
				if fn == 0 && ht&headerMulti == 0 {
					break
				}
			}
		}
	}
	scan(0)
	return out
}

// BAR returns the address and 64-bit-ness of memory BAR i (0 for an I/O BAR).
func (c Config) BAR(i int) (addr uint64, is64 bool) {
	off := uint8(RegBAR0 + 4*i)
	lo := c.Read32(off)
	if lo&barIO != 0 {
		return 0, false // I/O space
	}
	addr = uint64(lo &^ barMemMask)
	if lo&barType == barType64 {
		addr |= uint64(c.Read32(off+4)) << 32
		is64 = true
	}
	return addr, is64
}

// IOBAR returns the port base of BAR i when it is an I/O BAR (PCI Local
// Bus spec 3.0 §6.2.5.1: bit 0 set, the base in bits 31:2; x86 ports are
// 16 bits).
func (c Config) IOBAR(i int) (port uint16, ok bool) {
	lo := c.Read32(uint8(RegBAR0 + 4*i))
	if lo&barIO == 0 || lo&^3 > 0xFFFF || lo&^3 == 0 {
		return 0, false
	}
	return uint16(lo &^ 3), true
}

// BARInfo describes a base address register.
type BARInfo struct {
	Addr         uint64 // memory address, or I/O port
	Size         uint64 // bytes decoded; 0 when the BAR is not implemented
	IO           bool   // an I/O BAR
	Is64         bool   // a 64-bit memory BAR, taking slots i and i+1
	Prefetchable bool
}

// SizeBAR reads BAR i and its size (PCI 3.0 §6.2.5.1): with I/O and
// memory decoding turned off, it writes all ones to the BAR (both halves
// of a 64-bit one), reads back which address bits stick at 0, and
// restores the BAR and the Command register. The device must not be in
// use meanwhile. Type-0 headers have BARs 0-5, bridges (type 1) 0-1; for
// any other i, header type, or a 64-bit BAR without room for its upper
// half, SizeBAR returns the zero BARInfo.
func (c Config) SizeBAR(i int) BARInfo {
	n := 0
	switch c.Read8(RegHeaderType) & headerType {
	case 0:
		n = barsType0
	case headerBridge:
		n = barsType1
	}
	if i < 0 || i >= n {
		return BARInfo{}
	}
	off := uint8(RegBAR0 + 4*i)
	lo := c.Read32(off)
	io := lo&barIO != 0
	is64 := !io && lo&barType == barType64
	if is64 && i+1 >= n {
		return BARInfo{}
	}
	cmd := c.Read16(RegCommand)
	c.Write16(RegCommand, cmd&^(cmdIO|cmdMemory))
	c.Write32(off, allOnes)
	mlo := c.Read32(off)
	c.Write32(off, lo)
	var hi, mhi uint32
	if is64 {
		hi = c.Read32(off + 4)
		c.Write32(off+4, allOnes)
		mhi = c.Read32(off + 4)
		c.Write32(off+4, hi)
	}
	c.Write16(RegCommand, cmd)

	// The size is the lowest address bit that stuck at 0 when written
	// with 1: the bits below it are hardwired to 0. (Higher bits may be
	// hardwired too: 16-bit I/O decoders, devices that decode fewer than
	// 64 address bits.)
	if io {
		mask := mlo &^ barIOMask
		if mask == 0 {
			return BARInfo{}
		}
		return BARInfo{Addr: uint64(lo &^ barIOMask), Size: uint64(mask & -mask), IO: true}
	}
	mask := uint64(mlo&^barMemMask) | uint64(mhi)<<32
	if mask == 0 {
		return BARInfo{}
	}
	return BARInfo{
		Addr:         uint64(lo&^barMemMask) | uint64(hi)<<32,
		Size:         mask & -mask,
		Is64:         is64,
		Prefetchable: lo&barPrefetch != 0,
	}
}

// EnableMemory turns on memory decoding and bus mastering (DMA).
func (c Config) EnableMemory() {
	c.Write16(RegCommand, c.Read16(RegCommand)|cmdMemory|cmdBusMaster)
}

// EnableIO turns on I/O decoding and bus mastering (DMA): for a device
// whose registers are in an I/O BAR, such as a legacy virtio device's
// BAR 0. Memory decoding is left as it is.
func (c Config) EnableIO() {
	c.Write16(RegCommand, c.Read16(RegCommand)|cmdIO|cmdBusMaster)
}

// Caps calls fn with each capability's id and offset.
func (c Config) Caps(fn func(id, off uint8)) {
	if c.Read16(RegStatus)&statusCapList == 0 {
		return
	}
	off := c.Read8(RegCapPtr) &^ 3
	for n := 0; off != 0 && n < 48; n++ { // 48 bounds a looping list
		fn(c.Read8(off), off)
		off = c.Read8(off+1) &^ 3
	}
}

// ExtCaps calls fn with each PCI Express extended capability's id,
// version and offset (PCIe base spec §7.6.3). Only ECAM reaches them;
// through mechanism #1 the list is empty.
func (c Config) ExtCaps(fn func(id uint16, version uint8, off uint16)) {
	off := uint16(extCapStart)
	for n := 0; n < maxExtCaps; n++ { // bounds a looping list
		h := c.ReadExt32(off)
		if h == 0 || h == allOnes { // no capabilities, or no extended space
			return
		}
		fn(uint16(h), uint8(h>>16&0xF), off)
		off = uint16(h>>20) &^ 3
		if off < extCapStart { // 0 ends the list; below 0x100 is not extended space
			return
		}
	}
}
