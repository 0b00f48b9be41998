package boot

// Protocol says which loader started us.
type Protocol uint8

const (
	ProtoUnknown Protocol = iota
	ProtoPVH
	ProtoMultiboot
)

func (p Protocol) String() string {
	switch p {
	case ProtoPVH:
		return "pvh"
	case ProtoMultiboot:
		return "multiboot"
	}
	return "unknown"
}

// Memory region types, as in the E820 map (ACPI 6.5, table 15.1).
const (
	MemUsable   = 1
	MemReserved = 2
	MemACPI     = 3
	MemNVS      = 4
)

// Region is one entry of the physical memory map.
type Region struct {
	Base, Size uint64
	Type       uint32
}

// Limits of what BootInfo keeps. It has no pointers, so the kernel can fill
// it in trap context before the Go runtime exists.
const (
	MaxRegions = 64
	MaxCmdline = 4096
)

// BootInfo is the one thing everything above boot/ learns from the loader.
type BootInfo struct {
	Protocol   Protocol
	NRegions   int
	Regions    [MaxRegions]Region
	CmdlineLen int
	Cmdline    [MaxCmdline]byte
	RSDP       uint64 // 0 when the loader gave none
}

// Memory reads guest-physical memory. The kernel reads the identity map;
// tests and fuzzers read a byte slice. Reads return scalars so that the
// parser needs no buffers (a slice passed through an interface escapes to
// the heap, and the kernel parses before the Go heap exists).
type Memory interface {
	// Load8 reads the byte at physical address addr; false if out of range.
	Load8(addr uint64) (uint8, bool)
}

// load reads a little-endian value of n bytes.
func load(m Memory, addr uint64, n int) (v uint64, ok bool) {
	for i := n - 1; i >= 0; i-- {
		b, ok := m.Load8(addr + uint64(i))
		if !ok {
			return 0, false
		}
		v = v<<8 | uint64(b)
	}
	return v, true
}

// Error values are plain strings so that the kernel can print them in trap context.
type Error string

func (e Error) Error() string { return string(e) }

const (
	ErrNoInfo     = Error("boot info pointer is null")
	ErrBadMagic   = Error("neither a Multiboot nor a PVH start_info")
	ErrUnreadable = Error("boot info lies outside readable memory")
	ErrNoMemory   = Error("loader gave no usable memory map")
)

// Parse normalises the loader's hand-off. magic is EAX at the 32-bit entry,
// info is EBX. Parse never panics on hostile input (see FuzzParse).
func Parse(m Memory, magic uint32, info uint64, bi *BootInfo) error {
	*bi = BootInfo{}
	if info == 0 {
		return ErrNoInfo
	}
	// PVH leaves EAX undefined (some firmware leaves the Multiboot magic
	// there), so the start_info magic decides first.
	if v, ok := load(m, info, 4); ok && v == PVHStartInfoMagic {
		return parsePVH(m, info, bi)
	}
	if magic == MultibootLoaderMagic {
		return parseMultiboot(m, info, bi)
	}
	return ErrBadMagic
}

// hvm_start_info field offsets (start_info.h).
const (
	pvhVersion       = 4
	pvhCmdline       = 24
	pvhRSDP          = 32
	pvhMemmap        = 40
	pvhMemmapEntries = 48
	pvhMemmapEntSize = 24
)

func parsePVH(m Memory, info uint64, bi *BootInfo) error {
	bi.Protocol = ProtoPVH
	version, ok1 := load(m, info+pvhVersion, 4)
	cmdline, ok2 := load(m, info+pvhCmdline, 8)
	rsdp, ok3 := load(m, info+pvhRSDP, 8)
	if !ok1 || !ok2 || !ok3 {
		return ErrUnreadable
	}
	bi.RSDP = rsdp
	readCmdline(m, cmdline, bi)
	if version < 1 {
		return ErrNoMemory
	}
	addr, ok1 := load(m, info+pvhMemmap, 8)
	n, ok2 := load(m, info+pvhMemmapEntries, 4)
	if !ok1 || !ok2 {
		return ErrUnreadable
	}
	for i := uint64(0); i < n && bi.NRegions < MaxRegions; i++ {
		e := addr + i*pvhMemmapEntSize
		base, ok1 := load(m, e, 8)
		size, ok2 := load(m, e+8, 8)
		typ, ok3 := load(m, e+16, 4)
		if !ok1 || !ok2 || !ok3 {
			return ErrUnreadable
		}
		bi.add(Region{Base: base, Size: size, Type: uint32(typ)})
	}
	return bi.check()
}

// multiboot_info field offsets and flags (Multiboot 0.6.96 §3.3).
const (
	mbiFlags      = 0
	mbiMemLower   = 4
	mbiMemUpper   = 8
	mbiCmdline    = 16
	mbiMmapLength = 44
	mbiMmapAddr   = 48
	mbiHasMem     = 1 << 0
	mbiHasCmdline = 1 << 2
	mbiHasMmap    = 1 << 6
)

func parseMultiboot(m Memory, info uint64, bi *BootInfo) error {
	bi.Protocol = ProtoMultiboot
	flags, ok := load(m, info+mbiFlags, 4)
	if !ok {
		return ErrUnreadable
	}
	if flags&mbiHasCmdline != 0 {
		if c, ok := load(m, info+mbiCmdline, 4); ok {
			readCmdline(m, c, bi)
		}
	}
	if flags&mbiHasMmap != 0 {
		length, ok1 := load(m, info+mbiMmapLength, 4)
		addr, ok2 := load(m, info+mbiMmapAddr, 4)
		if !ok1 || !ok2 {
			return ErrUnreadable
		}
		for end := addr + length; addr < end && bi.NRegions < MaxRegions; {
			size, ok1 := load(m, addr, 4)
			base, ok2 := load(m, addr+4, 8)
			n, ok3 := load(m, addr+12, 8)
			typ, ok4 := load(m, addr+20, 4)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return ErrUnreadable
			}
			bi.add(Region{Base: base, Size: n, Type: uint32(typ)})
			if size < 20 { // each entry holds at least base, length, type
				break
			}
			addr += size + 4
		}
	} else if flags&mbiHasMem != 0 {
		lower, ok1 := load(m, info+mbiMemLower, 4)
		upper, ok2 := load(m, info+mbiMemUpper, 4)
		if !ok1 || !ok2 {
			return ErrUnreadable
		}
		bi.add(Region{Base: 0, Size: lower << 10, Type: MemUsable})
		bi.add(Region{Base: 1 << 20, Size: upper << 10, Type: MemUsable})
	}
	return bi.check()
}

func (bi *BootInfo) add(r Region) {
	if r.Size == 0 || r.Base+r.Size < r.Base {
		return
	}
	bi.Regions[bi.NRegions] = r
	bi.NRegions++
}

func (bi *BootInfo) check() error {
	if bi.UsableBytes() == 0 {
		return ErrNoMemory
	}
	return nil
}

// readCmdline copies the NUL-terminated string at addr, stopping at the
// limit or at the first unreadable byte.
func readCmdline(m Memory, addr uint64, bi *BootInfo) {
	if addr == 0 {
		return
	}
	for bi.CmdlineLen < MaxCmdline {
		c, ok := m.Load8(addr + uint64(bi.CmdlineLen))
		if !ok || c == 0 {
			return
		}
		bi.Cmdline[bi.CmdlineLen] = c
		bi.CmdlineLen++
	}
}

// UsableBytes is the total usable RAM in the map.
func (bi *BootInfo) UsableBytes() (n uint64) {
	for _, r := range bi.Regions[:bi.NRegions] {
		if r.Type == MemUsable {
			n += r.Size
		}
	}
	return n
}

// CmdlineString returns the command line (allocates: host side and tests only).
func (bi *BootInfo) CmdlineString() string { return string(bi.Cmdline[:bi.CmdlineLen]) }
