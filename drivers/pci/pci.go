// Package pci enumerates PCI devices through configuration mechanism #1
// (ports 0xCF8/0xCFC, PCI Local Bus spec 3.0 §3.2.2.3.2), reads their
// BARs and walks their capability lists. Port I/O sits behind an
// interface so that the logic runs under go test.
package pci

// Configuration mechanism #1 ports and the enable bit.
const (
	portAddress = 0xCF8
	portData    = 0xCFC
	enable      = 1 << 31
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
	RegCapPtr     = 0x34
	statusCapList = 1 << 4
	cmdMemory     = 1 << 1
	cmdBusMaster  = 1 << 2
	headerBridge  = 0x01
	headerMulti   = 0x80
)

// Ports is 32-bit port I/O.
type Ports interface {
	In32(port uint16) uint32
	Out32(port uint16, v uint32)
}

// Config reads and writes one device's configuration space.
type Config struct {
	IO              Ports
	Bus, Slot, Func uint8
}

func (c Config) addr(off uint8) uint32 {
	return enable | uint32(c.Bus)<<16 | uint32(c.Slot)<<11 | uint32(c.Func)<<8 | uint32(off&0xFC)
}

// Read32 reads the dword at off (aligned down to 4).
func (c Config) Read32(off uint8) uint32 {
	c.IO.Out32(portAddress, c.addr(off))
	return c.IO.In32(portData)
}

// Write32 writes the dword at off.
func (c Config) Write32(off uint8, v uint32) {
	c.IO.Out32(portAddress, c.addr(off))
	c.IO.Out32(portData, v)
}

// Read16 reads the word at off.
func (c Config) Read16(off uint8) uint16 { return uint16(c.Read32(off) >> (8 * (off & 2))) }

// Read8 reads the byte at off.
func (c Config) Read8(off uint8) uint8 { return uint8(c.Read32(off) >> (8 * (off & 3))) }

// Write16 writes the word at off (read-modify-write of its dword).
func (c Config) Write16(off uint8, v uint16) {
	shift := 8 * uint32(off&2)
	d := c.Read32(off) &^ (0xFFFF << shift)
	c.Write32(off, d|uint32(v)<<shift)
}

// Device is one function found by Scan.
type Device struct {
	Config
	Vendor, ID uint16
}

// Scan lists the functions on bus 0 and behind its bridges.
func Scan(io Ports) []Device {
	var out []Device
	seen := map[uint8]bool{}
	var scan func(bus uint8)
	scan = func(bus uint8) {
		if seen[bus] {
			return
		}
		seen[bus] = true
		for slot := uint8(0); slot < 32; slot++ {
			for fn := uint8(0); fn < 8; fn++ {
				c := Config{IO: io, Bus: bus, Slot: slot, Func: fn}
				v := c.Read16(RegVendor)
				if v == 0xFFFF {
					if fn == 0 {
						break
					}
					continue
				}
				out = append(out, Device{Config: c, Vendor: v, ID: c.Read16(RegDevice)})
				ht := c.Read8(RegHeaderType)
				if ht&0x7F == headerBridge {
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
	if lo&1 != 0 {
		return 0, false // I/O space
	}
	addr = uint64(lo &^ 0xF)
	if lo>>1&3 == 2 {
		addr |= uint64(c.Read32(off+4)) << 32
		is64 = true
	}
	return addr, is64
}

// EnableMemory turns on memory decoding and bus mastering (DMA).
func (c Config) EnableMemory() {
	c.Write16(RegCommand, c.Read16(RegCommand)|cmdMemory|cmdBusMaster)
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
