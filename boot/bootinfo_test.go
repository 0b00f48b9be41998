package boot

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fakeMem is guest-physical memory: b mapped at base.
type fakeMem struct {
	base uint64
	b    []byte
}

func (m *fakeMem) Load8(addr uint64) (uint8, bool) {
	if addr < m.base || addr-m.base >= uint64(len(m.b)) {
		return 0, false
	}
	return m.b[addr-m.base], true
}

func (m *fakeMem) put32(addr uint64, v uint32) {
	binary.LittleEndian.PutUint32(m.b[addr-m.base:], v)
}
func (m *fakeMem) put64(addr uint64, v uint64) {
	binary.LittleEndian.PutUint64(m.b[addr-m.base:], v)
}
func (m *fakeMem) putStr(addr uint64, s string) {
	copy(m.b[addr-m.base:], s+"\x00")
}

const (
	memBase = 0x10000
	infoAt  = memBase // start_info or multiboot_info
	mapAt   = memBase + 64
)

// newMem returns size bytes of zeroed memory at memBase.
func newMem(size int) *fakeMem { return &fakeMem{base: memBase, b: make([]byte, size)} }

// pvh writes an hvm_start_info at infoAt, the memory map at mapAt and
// the command line right after it. The memory ends there (small inputs
// keep fuzzing and minimisation fast).
func pvh(cmdline string, rsdp uint64, regions []Region) *fakeMem {
	cmdAt := uint64(mapAt + 24*len(regions))
	m := newMem(int(cmdAt-memBase) + len(cmdline) + 1)
	m.put32(infoAt, PVHStartInfoMagic)
	m.put32(infoAt+4, 1)
	if cmdline != "" {
		m.putStr(cmdAt, cmdline)
		m.put64(infoAt+24, cmdAt)
	}
	m.put64(infoAt+32, rsdp)
	m.put64(infoAt+40, mapAt)
	m.put32(infoAt+48, uint32(len(regions)))
	for i, r := range regions {
		e := uint64(mapAt + 24*i)
		m.put64(e, r.Base)
		m.put64(e+8, r.Size)
		m.put32(e+16, r.Type)
	}
	return m
}

// multiboot writes a multiboot_info at infoAt, the memory map at mapAt
// (entries entSize+4 bytes apart) and the command line after it.
func multiboot(cmdline string, regions []Region, entSize uint32) *fakeMem {
	cmdAt := uint64(mapAt) + uint64(len(regions))*uint64(entSize+4)
	m := newMem(int(cmdAt-memBase) + len(cmdline) + 1)
	flags := uint32(1 << 6)
	if cmdline != "" {
		flags |= 1 << 2
		m.putStr(cmdAt, cmdline)
		m.put32(infoAt+16, uint32(cmdAt))
	}
	m.put32(infoAt, flags)
	m.put32(infoAt+44, uint32(len(regions))*(entSize+4))
	m.put32(infoAt+48, mapAt)
	for i, r := range regions {
		e := uint64(mapAt) + uint64(i)*uint64(entSize+4)
		m.put32(e, entSize)
		m.put64(e+4, r.Base)
		m.put64(e+12, r.Size)
		m.put32(e+20, r.Type)
	}
	return m
}

var testMap = []Region{
	{Base: 0, Size: 0x9fc00, Type: MemUsable},
	{Base: 0x9fc00, Size: 0x400, Type: MemReserved},
	{Base: 0xf0000, Size: 0x10000, Type: MemReserved},
	{Base: 0x100000, Size: 0x7ee0000, Type: MemUsable},
	{Base: 0x7fe0000, Size: 0x20000, Type: MemACPI},
	{Base: 0xfffc0000, Size: 0x40000, Type: MemReserved},
	{Base: 0x100000000, Size: 0x40000000, Type: MemUsable},
}

const testUsable = 0x9fc00 + 0x7ee0000 + 0x40000000

func regions(bi *BootInfo) []Region { return append([]Region(nil), bi.Regions[:bi.NRegions]...) }

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		mem     *fakeMem
		magic   uint32
		proto   Protocol
		cmdline string
		rsdp    uint64
		regions []Region
		usable  uint64
	}{
		{"pvh", pvh("console=ttyS0 -v", 0xf5a40, testMap), 0, ProtoPVH, "console=ttyS0 -v", 0xf5a40, testMap, testUsable},
		{"pvh without cmdline", pvh("", 0, testMap[:1]), 0, ProtoPVH, "", 0, testMap[:1], 0x9fc00},
		// Some firmware leaves the Multiboot magic in EAX under PVH: start_info wins.
		{"pvh with multiboot magic", pvh("a", 7, testMap), MultibootLoaderMagic, ProtoPVH, "a", 7, testMap, testUsable},
		{"multiboot", multiboot("x=1 y=2", testMap, 20), MultibootLoaderMagic, ProtoMultiboot, "x=1 y=2", 0, testMap, testUsable},
		{"multiboot 24-byte entries", multiboot("", testMap, 24), MultibootLoaderMagic, ProtoMultiboot, "", 0, testMap, testUsable},
		{"multiboot drops empty regions", multiboot("", []Region{{0x100000, 0, MemUsable}, {0x200000, 0x1000, MemUsable}}, 20),
			MultibootLoaderMagic, ProtoMultiboot, "", 0, []Region{{0x200000, 0x1000, MemUsable}}, 0x1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bi BootInfo
			if err := Parse(tt.mem, tt.magic, infoAt, &bi); err != nil {
				t.Fatalf("Parse = %v, want nil", err)
			}
			if bi.Protocol != tt.proto {
				t.Errorf("Protocol = %v, want %v", bi.Protocol, tt.proto)
			}
			if got := bi.CmdlineString(); got != tt.cmdline {
				t.Errorf("CmdlineString() = %q, want %q", got, tt.cmdline)
			}
			if bi.RSDP != tt.rsdp {
				t.Errorf("RSDP = %#x, want %#x", bi.RSDP, tt.rsdp)
			}
			if got := regions(&bi); !reflect.DeepEqual(got, tt.regions) {
				t.Errorf("Regions = %+v, want %+v", got, tt.regions)
			}
			if got := bi.UsableBytes(); got != tt.usable {
				t.Errorf("UsableBytes() = %#x, want %#x", got, tt.usable)
			}
		})
	}
}

func TestParseMultibootMemFields(t *testing.T) {
	m := newMem(64)
	m.put32(infoAt, 1) // mem_lower/mem_upper only
	m.put32(infoAt+4, 639)
	m.put32(infoAt+8, 130048)
	var bi BootInfo
	if err := Parse(m, MultibootLoaderMagic, infoAt, &bi); err != nil {
		t.Fatalf("Parse = %v, want nil", err)
	}
	want := []Region{{0, 639 << 10, MemUsable}, {1 << 20, 130048 << 10, MemUsable}}
	if got := regions(&bi); !reflect.DeepEqual(got, want) {
		t.Errorf("Regions = %+v, want %+v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	reserved := []Region{{Base: 0x100000, Size: 0x1000, Type: MemReserved}}
	noVersion := pvh("", 0, testMap)
	noVersion.put32(infoAt+4, 0)
	shortMap := pvh("", 0, testMap)
	shortMap.put32(infoAt+48, 1000) // runs past the end of memory
	tests := []struct {
		name  string
		mem   *fakeMem
		magic uint32
		info  uint64
		want  error
	}{
		{"null info", pvh("", 0, testMap), MultibootLoaderMagic, 0, ErrNoInfo},
		{"unknown magic", multiboot("", testMap, 20), 0x12345678, infoAt, ErrBadMagic},
		{"no magic at all", newMem(64), 0, infoAt, ErrBadMagic},
		{"info outside memory", newMem(64), MultibootLoaderMagic, 0x10, ErrUnreadable},
		{"pvh only reserved", pvh("", 0, reserved), 0, infoAt, ErrNoMemory},
		{"pvh empty map", pvh("", 0, nil), 0, infoAt, ErrNoMemory},
		{"pvh version 0", noVersion, 0, infoAt, ErrNoMemory},
		{"pvh map runs out of memory", shortMap, 0, infoAt, ErrUnreadable},
		{"multiboot only reserved", multiboot("", reserved, 20), MultibootLoaderMagic, infoAt, ErrNoMemory},
		{"multiboot no map", newMem(64), MultibootLoaderMagic, infoAt, ErrNoMemory},
	}
	for _, tt := range tests {
		var bi BootInfo
		if err := Parse(tt.mem, tt.magic, tt.info, &bi); !errors.Is(err, tt.want) {
			t.Errorf("%s: Parse = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseCmdlineLimit(t *testing.T) {
	long := strings.Repeat("abcdefgh", MaxCmdline/8+10)
	for _, mem := range []*fakeMem{pvh(long, 0, testMap), multiboot(long, testMap, 20)} {
		var bi BootInfo
		if err := Parse(mem, MultibootLoaderMagic, infoAt, &bi); err != nil {
			t.Fatalf("Parse = %v, want nil", err)
		}
		if bi.CmdlineLen != MaxCmdline || bi.CmdlineString() != long[:MaxCmdline] {
			t.Errorf("%v: CmdlineLen = %d, want %d (prefix of the command line)", bi.Protocol, bi.CmdlineLen, MaxCmdline)
		}
	}
	// A command line running off the end of memory stops there.
	m := pvh("", 0, testMap)
	m.b = append(m.b, "xyz"...)
	m.put64(infoAt+24, memBase+uint64(len(m.b))-3)
	var bi BootInfo
	if err := Parse(m, 0, infoAt, &bi); err != nil || bi.CmdlineString() != "xyz" {
		t.Errorf("Parse with a cmdline at the end of memory = %v, cmdline %q; want nil, \"xyz\"", err, bi.CmdlineString())
	}
}

func TestParseRegionLimit(t *testing.T) {
	var many []Region
	for i := 0; i < MaxRegions+10; i++ {
		many = append(many, Region{Base: uint64(i) << 20, Size: 1 << 20, Type: MemUsable})
	}
	for _, mem := range []*fakeMem{pvh("", 0, many), multiboot("", many, 20)} {
		var bi BootInfo
		if err := Parse(mem, MultibootLoaderMagic, infoAt, &bi); err != nil {
			t.Fatalf("Parse = %v, want nil", err)
		}
		if bi.NRegions != MaxRegions {
			t.Errorf("%v: NRegions = %d, want %d", bi.Protocol, bi.NRegions, MaxRegions)
		}
		if got, want := regions(&bi), many[:MaxRegions]; !reflect.DeepEqual(got, want) {
			t.Errorf("%v: Regions = %+v, want the first %d", bi.Protocol, got, MaxRegions)
		}
		if got := bi.UsableBytes(); got != MaxRegions<<20 {
			t.Errorf("%v: UsableBytes() = %#x, want %#x", bi.Protocol, got, MaxRegions<<20)
		}
	}
}

func TestProtocolString(t *testing.T) {
	for p, want := range map[Protocol]string{ProtoPVH: "pvh", ProtoMultiboot: "multiboot", ProtoUnknown: "unknown", 9: "unknown"} {
		if got := p.String(); got != want {
			t.Errorf("Protocol(%d).String() = %q, want %q", p, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, m := range []*fakeMem{
		pvh("console=ttyS0", 0xf5a40, testMap),
		multiboot("-v", testMap, 20),
		multiboot("", testMap[:2], 24),
	} {
		f.Add(m.b, uint32(MultibootLoaderMagic), uint64(infoAt))
		f.Add(m.b, uint32(0), uint64(infoAt))
	}
	f.Add([]byte{}, uint32(0), uint64(0))
	f.Add([]byte{0x78, 0xc5, 0x6e, 0x33}, uint32(0), uint64(memBase))
	f.Fuzz(func(t *testing.T, data []byte, magic uint32, info uint64) {
		m := &fakeMem{base: memBase, b: data}
		var bi BootInfo
		err := Parse(m, magic, info, &bi)
		if err != nil {
			return
		}
		if bi.NRegions < 0 || bi.NRegions > MaxRegions {
			t.Fatalf("Parse = nil with NRegions = %d, want <= %d", bi.NRegions, MaxRegions)
		}
		if bi.CmdlineLen < 0 || bi.CmdlineLen > MaxCmdline {
			t.Fatalf("Parse = nil with CmdlineLen = %d, want <= %d", bi.CmdlineLen, MaxCmdline)
		}
		if bi.UsableBytes() == 0 {
			t.Fatalf("Parse = nil with UsableBytes() = 0, want > 0")
		}
		if bi.Protocol != ProtoPVH && bi.Protocol != ProtoMultiboot {
			t.Fatalf("Parse = nil with Protocol = %v", bi.Protocol)
		}
		for _, r := range bi.Regions[:bi.NRegions] {
			if r.Size == 0 || r.Base+r.Size < r.Base {
				t.Fatalf("Parse = nil with region %+v, want non-empty and not wrapping", r)
			}
		}
	})
}
