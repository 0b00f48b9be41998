package virtio

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"unigo/drivers/pci"
)

// Layouts from the specs, spelled out here rather than taken from the
// package so that a wrong constant fails a test.
//
// virtio v1.2 §4.1.4: struct virtio_pci_cap.
const (
	vcapType   = 3
	vcapBar    = 4
	vcapOffset = 8
	vcapLength = 12
	vcapMult   = 16 // struct virtio_pci_notify_cap
)

// virtio v1.2 §4.1.4.3: struct virtio_pci_common_cfg.
const (
	ccDevFeatSel = 0
	ccDevFeat    = 4
	ccDrvFeatSel = 8
	ccDrvFeat    = 12
	ccMSIXConfig = 16
	ccNumQueues  = 18
	ccDevStatus  = 20
	ccGeneration = 21
	ccQSelect    = 22
	ccQSize      = 24
	ccQMSIX      = 26
	ccQEnable    = 28
	ccQNotifyOff = 30
	ccQDescLo    = 32
	ccQDescHi    = 36
	ccQDriverLo  = 40
	ccQDriverHi  = 44
	ccQDeviceLo  = 48
	ccQDeviceHi  = 52
)

// commonWidth is the access width of each common configuration field:
// the driver must use exactly it (§4.1.3.1).
var commonWidth = map[uintptr]int{
	ccDevFeatSel: 4, ccDevFeat: 4, ccDrvFeatSel: 4, ccDrvFeat: 4,
	ccMSIXConfig: 2, ccNumQueues: 2, ccDevStatus: 1, ccGeneration: 1,
	ccQSelect: 2, ccQSize: 2, ccQMSIX: 2, ccQEnable: 2, ccQNotifyOff: 2,
	ccQDescLo: 4, ccQDescHi: 4, ccQDriverLo: 4, ccQDriverHi: 4, ccQDeviceLo: 4, ccQDeviceHi: 4,
}

// The fake device: bus 0 slot 4, BAR 0 I/O, BAR 1 32-bit memory (MSI-X
// table at +0x800), BARs 4-5 one 64-bit memory BAR holding the virtio
// structures at different offsets.
const (
	testSlot   = 4
	bar1Base   = 0xFEB01000
	bar4Base   = 0x8_0000_4000
	tableOff   = 0x800
	commonOff  = 0x0000
	isrOff     = 0x1000
	deviceOff  = 0x2000
	notifyOff  = 0x3000
	common2Off = 0x9000 // a second common capability, which must lose to the first
	commonLen  = 0x40
	isrLen     = 0x4
	deviceLen  = 0x24
	notifyLen  = 0x100
	notifyMult = 4
)

// Capability offsets in configuration space.
const (
	capMSIXAt    = 0x40
	capCommonAt  = 0x50
	capNotifyAt  = 0x64
	capPMAt      = 0x78
	capISRAt     = 0x80
	capDeviceAt  = 0x90
	capPCICfgAt  = 0xA0
	capCommon2At = 0xB4
)

// cfgSpace is configuration mechanism #1 for one function.
type cfgSpace struct {
	t    *testing.T
	s    [256]byte
	addr uint32
}

func (c *cfgSpace) selected() bool {
	want := uint32(1<<31 | testSlot<<11)
	return c.addr&^0xFF == want
}

func (c *cfgSpace) In32(port uint16) uint32 {
	if port != 0xCFC || !c.selected() {
		return 0xFFFFFFFF
	}
	return binary.LittleEndian.Uint32(c.s[c.addr&0xFC:])
}

func (c *cfgSpace) Out32(port uint16, v uint32) {
	switch {
	case port == 0xCF8:
		c.addr = v
	case port == 0xCFC && c.selected():
		binary.LittleEndian.PutUint32(c.s[c.addr&0xFC:], v)
	default:
		c.t.Errorf("Out32(%#x, %#x) with address %#x: not this device's configuration space", port, v, c.addr)
	}
}

func (c *cfgSpace) u16(off int) uint16 { return binary.LittleEndian.Uint16(c.s[off:]) }

// vcap writes a virtio_pci_cap at at.
func (c *cfgSpace) vcap(at, next, typ, bar uint8, off, n uint32) {
	c.s[at], c.s[at+1], c.s[at+2] = 0x09, next, 16
	c.s[at+vcapType], c.s[at+vcapBar] = typ, bar
	binary.LittleEndian.PutUint32(c.s[at+vcapOffset:], off)
	binary.LittleEndian.PutUint32(c.s[at+vcapLength:], n)
}

// unlink removes the capability at at from the list.
func (c *cfgSpace) unlink(at uint8) {
	prev := uint8(0x34)
	for p := c.s[0x34]; p != 0; prev, p = p+1, c.s[p+1] {
		if p == at {
			c.s[prev] = c.s[at+1]
			return
		}
	}
	c.t.Fatalf("unlink(%#x): no such capability", at)
}

// recConfig is a pci.Config that logs EnableMemory, EnableIO and Write16 calls.
type recConfig struct {
	pci.Config
	log *[]string
}

func (c recConfig) EnableMemory() {
	*c.log = append(*c.log, "EnableMemory")
	c.Config.EnableMemory()
}

func (c recConfig) EnableIO() {
	*c.log = append(*c.log, "EnableIO")
	c.Config.EnableIO()
}

func (c recConfig) Write16(off uint8, v uint16) {
	*c.log = append(*c.log, fmt.Sprintf("cfg.Write16(%#x, %#x)", off, v))
	c.Config.Write16(off, v)
}

type access struct {
	off  uintptr
	size int
	v    uint64
}

// commonModel gives the common configuration window its selector
// semantics: device_feature shows the half chosen by
// device_feature_select, driver_feature lands in the word chosen by
// driver_feature_select, queue_size and queue_notify_off are per queue
// (queue_select), and a reset completes only after resetReads more reads
// of device_status.
type commonModel struct {
	features       uint64
	driverFeatures map[uint32]uint32
	queueSize      map[uint16]uint16
	notifyOff      map[uint16]uint16
	resetReads     int
	resetting      int
}

// fakeWindow is a mapped BAR region over little-endian memory.
type fakeWindow struct {
	t         *testing.T
	name      string
	mem       []byte
	log       *[]string
	reads     []access
	writes    []access
	common    *commonModel
	readClear bool // ISR: reading clears
}

func (w *fakeWindow) check(op string, off uintptr, size int) bool {
	if int(off)+size > len(w.mem) {
		w.t.Errorf("%s.%s(%#x): beyond the %d-byte window", w.name, op, off, len(w.mem))
		return false
	}
	if off%uintptr(size) != 0 {
		w.t.Errorf("%s.%s(%#x): unaligned", w.name, op, off)
	}
	if w.common != nil && commonWidth[off] != size {
		w.t.Errorf("%s.%s(%#x): field is %d bytes wide, accessed with %d", w.name, op, off, commonWidth[off], size)
	}
	return true
}

func (w *fakeWindow) sel16(off int) uint16 { return binary.LittleEndian.Uint16(w.mem[off:]) }
func (w *fakeWindow) sel32(off int) uint32 { return binary.LittleEndian.Uint32(w.mem[off:]) }

func (w *fakeWindow) read(op string, off uintptr, size int) uint64 {
	if !w.check(op, off, size) {
		return 0
	}
	var v uint64
	switch c := w.common; {
	case c != nil && off == ccDevFeat:
		switch w.sel32(ccDevFeatSel) {
		case 0:
			v = c.features & 0xFFFFFFFF
		case 1:
			v = c.features >> 32
		}
	case c != nil && off == ccQSize:
		v = uint64(c.queueSize[w.sel16(ccQSelect)])
	case c != nil && off == ccQNotifyOff:
		v = uint64(c.notifyOff[w.sel16(ccQSelect)])
	default:
		var b [8]byte
		copy(b[:size], w.mem[off:])
		v = binary.LittleEndian.Uint64(b[:])
		if w.readClear {
			clear(w.mem[off : int(off)+size])
		}
		if c != nil && off == ccDevStatus && c.resetting > 0 {
			if c.resetting--; c.resetting == 0 {
				w.mem[ccDevStatus] = 0
			}
		}
	}
	w.reads = append(w.reads, access{off, size, v})
	return v
}

func (w *fakeWindow) write(op string, off uintptr, size int, v uint64) {
	w.writes = append(w.writes, access{off, size, v})
	*w.log = append(*w.log, fmt.Sprintf("%s.%s(%#x, %#x)", w.name, op, off, v))
	if !w.check(op, off, size) {
		return
	}
	if c := w.common; c != nil {
		switch off {
		case ccDrvFeat:
			c.driverFeatures[w.sel32(ccDrvFeatSel)] = uint32(v)
		case ccQSize:
			c.queueSize[w.sel16(ccQSelect)] = uint16(v)
			return
		case ccDevStatus:
			if v == 0 && c.resetReads > 0 {
				c.resetting = c.resetReads // the old status shows a while
				return
			}
		}
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	copy(w.mem[off:int(off)+size], b[:size])
}

func (w *fakeWindow) Read8(off uintptr) uint8   { return uint8(w.read("Read8", off, 1)) }
func (w *fakeWindow) Read16(off uintptr) uint16 { return uint16(w.read("Read16", off, 2)) }
func (w *fakeWindow) Read32(off uintptr) uint32 { return uint32(w.read("Read32", off, 4)) }
func (w *fakeWindow) Write8(off uintptr, v uint8) {
	w.write("Write8", off, 1, uint64(v))
}
func (w *fakeWindow) Write16(off uintptr, v uint16) {
	w.write("Write16", off, 2, uint64(v))
}
func (w *fakeWindow) Write32(off uintptr, v uint32) {
	w.write("Write32", off, 4, uint64(v))
}

type mapping struct {
	phys uint64
	n    uint32
}

// fakePCIDevice is a modern virtio-pci device (a QEMU-like layout).
type fakePCIDevice struct {
	t       *testing.T
	cfg     *cfgSpace
	log     []string
	maps    []mapping
	windows map[uint64]*fakeWindow
	common  *commonModel
	mapErr  error
}

func newFakePCIDevice(t *testing.T) *fakePCIDevice {
	d := &fakePCIDevice{t: t, cfg: &cfgSpace{t: t}, windows: map[uint64]*fakeWindow{}}
	s := &d.cfg.s
	binary.LittleEndian.PutUint16(s[0x00:], 0x1AF4)
	binary.LittleEndian.PutUint16(s[0x02:], 0x1041)
	binary.LittleEndian.PutUint16(s[0x04:], 0x0001) // I/O decoding only
	binary.LittleEndian.PutUint16(s[0x06:], 0x0010) // capability list
	binary.LittleEndian.PutUint32(s[0x10:], 0x0000C041)
	binary.LittleEndian.PutUint32(s[0x14:], bar1Base)
	binary.LittleEndian.PutUint32(s[0x20:], uint32(bar4Base&0xFFFFFFFF)|0xC) // 64-bit, prefetchable
	binary.LittleEndian.PutUint32(s[0x24:], uint32(bar4Base>>32))
	s[0x34] = capMSIXAt

	s[capMSIXAt], s[capMSIXAt+1] = 0x11, capCommonAt
	binary.LittleEndian.PutUint16(s[capMSIXAt+2:], 0x4002) // function masked, 3 entries
	binary.LittleEndian.PutUint32(s[capMSIXAt+4:], tableOff|1)
	binary.LittleEndian.PutUint32(s[capMSIXAt+8:], 0xC00|1) // PBA
	d.cfg.vcap(capCommonAt, capNotifyAt, 1, 4, commonOff, commonLen)
	d.cfg.vcap(capNotifyAt, capPMAt, 2, 4, notifyOff, notifyLen)
	s[capNotifyAt+2] = 20
	binary.LittleEndian.PutUint32(s[capNotifyAt+vcapMult:], notifyMult)
	s[capPMAt], s[capPMAt+1] = 0x01, capISRAt // power management
	d.cfg.vcap(capISRAt, capDeviceAt, 3, 4, isrOff, isrLen)
	d.cfg.vcap(capDeviceAt, capPCICfgAt, 4, 4, deviceOff, deviceLen)
	d.cfg.vcap(capPCICfgAt, capCommon2At, 5, 0, 0, 0)
	s[capPCICfgAt+2] = 20
	d.cfg.vcap(capCommon2At, 0, 1, 4, common2Off, commonLen)

	d.common = &commonModel{
		features:       0x00000003_80000021,
		driverFeatures: map[uint32]uint32{},
		queueSize:      map[uint16]uint16{0: 256, 1: 128, 2: 64},
		notifyOff:      map[uint16]uint16{0: 0, 1: 1, 2: 5},
	}
	win := func(name string, phys uint64, n int) *fakeWindow {
		w := &fakeWindow{t: t, name: name, mem: make([]byte, n), log: &d.log}
		d.windows[phys] = w
		return w
	}
	c := win("common", bar4Base+commonOff, commonLen)
	c.common = d.common
	// Selectors start out of range so that a driver that does not write
	// them reads nothing useful.
	binary.LittleEndian.PutUint32(c.mem[ccDevFeatSel:], 0xdead)
	binary.LittleEndian.PutUint32(c.mem[ccDrvFeatSel:], 0xdead)
	binary.LittleEndian.PutUint16(c.mem[ccQSelect:], 0xdead)
	win("common2", bar4Base+common2Off, commonLen)
	win("notify", bar4Base+notifyOff, notifyLen)
	win("isr", bar4Base+isrOff, isrLen).readClear = true
	dev := win("device", bar4Base+deviceOff, deviceLen)
	for i := range dev.mem {
		dev.mem[i] = byte(0xA0 + i)
	}
	table := win("msix", bar1Base+tableOff, 16)
	for i := range table.mem {
		table.mem[i] = 0xFF // garbage, and masked
	}
	return d
}

func (d *fakePCIDevice) win(phys uint64) *fakeWindow { return d.windows[phys] }
func (d *fakePCIDevice) commonWin() *fakeWindow      { return d.win(bar4Base + commonOff) }
func (d *fakePCIDevice) notifyWin() *fakeWindow      { return d.win(bar4Base + notifyOff) }
func (d *fakePCIDevice) isrWin() *fakeWindow         { return d.win(bar4Base + isrOff) }
func (d *fakePCIDevice) deviceWin() *fakeWindow      { return d.win(bar4Base + deviceOff) }
func (d *fakePCIDevice) tableWin() *fakeWindow       { return d.win(bar1Base + tableOff) }

func (d *fakePCIDevice) config() PCIConfig {
	return recConfig{Config: pci.Config{IO: d.cfg, Slot: testSlot}, log: &d.log}
}

func (d *fakePCIDevice) mapw(phys uint64, n uint32) (Window, error) {
	d.maps = append(d.maps, mapping{phys, n})
	d.log = append(d.log, fmt.Sprintf("map(%#x, %#x)", phys, n))
	if d.mapErr != nil {
		return nil, d.mapErr
	}
	w, ok := d.windows[phys]
	if !ok {
		return nil, fmt.Errorf("fake: nothing at %#x", phys)
	}
	return w, nil
}

// forget drops the accesses NewPCI made.
func (d *fakePCIDevice) forget() {
	d.log = nil
	for _, w := range d.windows {
		w.reads, w.writes = nil, nil
	}
}

func newTestPCI(t *testing.T, msix bool) (*PCI, *fakePCIDevice) {
	t.Helper()
	d := newFakePCIDevice(t)
	if !msix {
		d.cfg.unlink(capMSIXAt)
	}
	p, err := NewPCI(d.config(), d.mapw, 0x41)
	if err != nil {
		t.Fatalf("NewPCI() = %v", err)
	}
	d.forget()
	return p, d
}

func sortedMaps(m []mapping) []mapping {
	m = slices.Clone(m)
	slices.SortFunc(m, func(a, b mapping) int {
		if a.phys < b.phys {
			return -1
		}
		if a.phys > b.phys {
			return 1
		}
		return int(a.n) - int(b.n)
	})
	return m
}

func TestNewPCIMapsWindows(t *testing.T) {
	tests := []struct {
		name  string
		setup func(d *fakePCIDevice)
		want  []mapping
	}{
		{
			"all structures and MSI-X",
			func(*fakePCIDevice) {},
			[]mapping{
				{bar4Base + commonOff, commonLen},
				{bar4Base + isrOff, isrLen},
				{bar4Base + deviceOff, deviceLen},
				{bar4Base + notifyOff, notifyLen},
				{bar1Base + tableOff, 16},
			},
		},
		{
			"no MSI-X",
			func(d *fakePCIDevice) { d.cfg.unlink(capMSIXAt) },
			[]mapping{
				{bar4Base + commonOff, commonLen},
				{bar4Base + isrOff, isrLen},
				{bar4Base + deviceOff, deviceLen},
				{bar4Base + notifyOff, notifyLen},
			},
		},
		{
			"no ISR capability",
			func(d *fakePCIDevice) { d.cfg.unlink(capISRAt) },
			[]mapping{
				{bar4Base + commonOff, commonLen},
				{bar4Base + deviceOff, deviceLen},
				{bar4Base + notifyOff, notifyLen},
				{bar1Base + tableOff, 16},
			},
		},
		{
			// §4.1.4: the driver must ignore a capability whose bar is
			// reserved (6 and up) and should use the first it can.
			"first common capability has a reserved bar",
			func(d *fakePCIDevice) { d.cfg.s[capCommonAt+vcapBar] = 6 },
			[]mapping{
				{bar4Base + isrOff, isrLen},
				{bar4Base + deviceOff, deviceLen},
				{bar4Base + notifyOff, notifyLen},
				{bar4Base + common2Off, commonLen},
				{bar1Base + tableOff, 16},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakePCIDevice(t)
			tt.setup(d)
			p, err := NewPCI(d.config(), d.mapw, 0x41)
			if err != nil || p == nil {
				t.Fatalf("NewPCI() = %v, %v, want a transport", p, err)
			}
			if got, want := sortedMaps(d.maps), sortedMaps(tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("NewPCI() mapped %x, want %x", got, want)
			}
			if got := d.cfg.u16(0x04); got != 0x0007 {
				t.Errorf("NewPCI(): command register = %#04x, want %#04x (memory and bus master on, I/O kept)", got, 0x0007)
			}
			first := slices.IndexFunc(d.log, func(s string) bool { return strings.HasPrefix(s, "map(") })
			if i := slices.Index(d.log, "EnableMemory"); i < 0 || i > first {
				t.Errorf("NewPCI() log %q: want EnableMemory before the first mapping", d.log)
			}
		})
	}
}

func TestNewPCIMSIX(t *testing.T) {
	tests := []struct {
		vector        uint8
		ctl, wantCtl  uint16
		wantTableData uint32
	}{
		{0x41, 0x4002, 0x8002, 0x41},
		{0xFE, 0x4002, 0x8002, 0xFE},
		{0x30, 0x0000, 0x8000, 0x30},
		{0x30, 0xC7FF, 0x87FF, 0x30},
	}
	for _, tt := range tests {
		d := newFakePCIDevice(t)
		binary.LittleEndian.PutUint16(d.cfg.s[capMSIXAt+2:], tt.ctl)
		if _, err := NewPCI(d.config(), d.mapw, tt.vector); err != nil {
			t.Fatalf("NewPCI(vector %#x) = %v", tt.vector, err)
		}
		tbl := d.tableWin().mem
		got := [4]uint32{
			binary.LittleEndian.Uint32(tbl[0:]), binary.LittleEndian.Uint32(tbl[4:]),
			binary.LittleEndian.Uint32(tbl[8:]), binary.LittleEndian.Uint32(tbl[12:]),
		}
		if want := [4]uint32{0xFEE00000, 0, tt.wantTableData, 0}; got != want {
			t.Errorf("NewPCI(vector %#x): MSI-X entry 0 (addr lo, addr hi, data, control) = %#x, want %#x", tt.vector, got, want)
		}
		if got := d.cfg.u16(capMSIXAt + 2); got != tt.wantCtl {
			t.Errorf("NewPCI(vector %#x): MSI-X message control %#04x -> %#04x, want %#04x", tt.vector, tt.ctl, got, tt.wantCtl)
		}
		if got := [2]byte(d.cfg.s[capMSIXAt:]); got != [2]byte{0x11, capCommonAt} {
			t.Errorf("NewPCI(vector %#x): MSI-X capability header = % x, want it untouched", tt.vector, got)
		}
		// The entry must be complete before MSI-X is enabled.
		enable := slices.IndexFunc(d.log, func(s string) bool { return strings.HasPrefix(s, fmt.Sprintf("cfg.Write16(%#x,", capMSIXAt+2)) })
		lastEntry := -1
		for i, s := range d.log {
			if strings.HasPrefix(s, "msix.") {
				lastEntry = i
			}
		}
		if enable < 0 || lastEntry < 0 || lastEntry > enable {
			t.Errorf("NewPCI(vector %#x) log %q: want the MSI-X entry written before message control", tt.vector, d.log)
		}
	}
}

func TestNewPCIErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(d *fakePCIDevice)
		wantErr string
	}{
		{"no common capability", func(d *fakePCIDevice) {
			d.cfg.unlink(capCommonAt)
			d.cfg.unlink(capCommon2At)
		}, "type 1"},
		{"no notify capability", func(d *fakePCIDevice) { d.cfg.unlink(capNotifyAt) }, "type 2"},
		{"no device capability", func(d *fakePCIDevice) { d.cfg.unlink(capDeviceAt) }, "type 4"},
		{"no capability list", func(d *fakePCIDevice) { binary.LittleEndian.PutUint16(d.cfg.s[0x06:], 0) }, "type 1"},
		{"common in an I/O BAR", func(d *fakePCIDevice) { d.cfg.s[capCommonAt+vcapBar] = 0 }, "BAR 0"},
		{"notify in an I/O BAR", func(d *fakePCIDevice) { d.cfg.s[capNotifyAt+vcapBar] = 0 }, "BAR 0"},
		{"device in an I/O BAR", func(d *fakePCIDevice) { d.cfg.s[capDeviceAt+vcapBar] = 0 }, "BAR 0"},
		{"ISR in an I/O BAR", func(d *fakePCIDevice) { d.cfg.s[capISRAt+vcapBar] = 0 }, "BAR 0"},
		{"MSI-X table in an I/O BAR", func(d *fakePCIDevice) {
			binary.LittleEndian.PutUint32(d.cfg.s[capMSIXAt+4:], tableOff|0)
		}, "I/O BAR"},
		{"mapping fails", func(d *fakePCIDevice) { d.mapErr = fmt.Errorf("no page tables") }, "no page tables"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakePCIDevice(t)
			tt.setup(d)
			p, err := NewPCI(d.config(), d.mapw, 0x41)
			if err == nil || p != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewPCI() = %v, %v, want nil and an error mentioning %q", p, err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "virtio-pci: ") && d.mapErr == nil {
				t.Errorf("NewPCI() error %q, want it to name virtio-pci", err)
			}
		})
	}
}

func TestNewPCIMissingCapNoSideEffects(t *testing.T) {
	d := newFakePCIDevice(t)
	d.cfg.unlink(capNotifyAt)
	before := d.cfg.s
	if _, err := NewPCI(d.config(), d.mapw, 0x41); err == nil {
		t.Fatal("NewPCI() without a notify capability succeeded")
	}
	if len(d.maps) != 0 || d.cfg.s != before {
		t.Errorf("NewPCI() without a notify capability mapped %x and changed configuration space: %v, want no side effects", d.maps, d.cfg.s != before)
	}
}

func TestPCIFeatures(t *testing.T) {
	for _, f := range []uint64{0, 1, 0x1_0000_0000, 0x00000003_80000021, 0xFFFF_FFFF_FFFF_FFFF} {
		p, d := newTestPCI(t, true)
		d.common.features = f
		if got := p.Features(); got != f {
			t.Errorf("Features() with device features %#x = %#x, want %#x", f, got, f)
		}
	}
}

func TestPCISetFeatures(t *testing.T) {
	for _, f := range []uint64{0, 0x1_0000_0020, 0xFFFF_FFFF_0000_0000, 0x00000002_80000001} {
		p, d := newTestPCI(t, true)
		p.SetFeatures(f)
		want := map[uint32]uint32{0: uint32(f), 1: uint32(f >> 32)}
		if !reflect.DeepEqual(d.common.driverFeatures, want) {
			t.Errorf("SetFeatures(%#x): device got driver_feature words %#x, want %#x", f, d.common.driverFeatures, want)
		}
	}
}

func TestPCIQueueMax(t *testing.T) {
	p, d := newTestPCI(t, true)
	for i, want := range []uint16{256, 128, 64, 0} {
		d.commonWin().writes = nil
		if got := p.QueueMax(i); got != want {
			t.Errorf("QueueMax(%d) = %d, want %d", i, got, want)
		}
		if w := []access{{ccQSelect, 2, uint64(i)}}; !reflect.DeepEqual(d.commonWin().writes, w) {
			t.Errorf("QueueMax(%d) writes = %x, want %x", i, d.commonWin().writes, w)
		}
	}
}

func TestPCISetupQueue(t *testing.T) {
	tests := []struct {
		index      int
		size       uint16
		phys       uint64
		usedOff    uint64 // the used ring: at the 4 KiB boundary after the available ring
		msix       bool
		wantVector uint64
	}{
		{0, 256, 0x10_0000, 0x2000, true, 0},
		{1, 8, 0x12_3456_7000, 0x1000, true, 0},
		{2, 1, 0xFFFF_F000_0000_0000, 0x1000, true, 0},
		{0, 256, 0x10_0000, 0x2000, false, 0xFFFF},
		{1, 8, 0x12_3456_7000, 0x1000, false, 0xFFFF},
	}
	for _, tt := range tests {
		p, d := newTestPCI(t, tt.msix)
		q, err := NewQueue(tt.size, make([]byte, QueueBytes(tt.size)), tt.phys)
		if err != nil {
			t.Fatal(err)
		}
		p.SetupQueue(tt.index, q)
		// Descriptors at the start, the available ring after 16 bytes each.
		desc, drv, dev := tt.phys, tt.phys+16*uint64(tt.size), tt.phys+tt.usedOff
		want := []access{
			{ccQSelect, 2, uint64(tt.index)},
			{ccQSize, 2, uint64(tt.size)},
			{ccQMSIX, 2, tt.wantVector},
			{ccQDescLo, 4, desc & 0xFFFFFFFF}, {ccQDescHi, 4, desc >> 32},
			{ccQDriverLo, 4, drv & 0xFFFFFFFF}, {ccQDriverHi, 4, drv >> 32},
			{ccQDeviceLo, 4, dev & 0xFFFFFFFF}, {ccQDeviceHi, 4, dev >> 32},
			{ccQEnable, 2, 1},
		}
		if got := d.commonWin().writes; !reflect.DeepEqual(got, want) {
			t.Errorf("SetupQueue(%d, size %d at %#x) with MSI-X %v writes = %x, want %x", tt.index, tt.size, tt.phys, tt.msix, got, want)
		}
		if got := d.common.queueSize[uint16(tt.index)]; got != tt.size {
			t.Errorf("SetupQueue(%d, size %d): device queue size = %d, want %d", tt.index, tt.size, got, tt.size)
		}
	}
}

func TestPCINotify(t *testing.T) {
	tests := []struct {
		queue   int
		mult    uint32
		wantOff uintptr
	}{
		{0, notifyMult, 0},
		{1, notifyMult, 1 * notifyMult},
		{2, notifyMult, 5 * notifyMult},
		{2, 2, 5 * 2},
		{1, 0, 0}, // multiplier 0: every queue shares one address
	}
	for _, tt := range tests {
		d := newFakePCIDevice(t)
		binary.LittleEndian.PutUint32(d.cfg.s[capNotifyAt+vcapMult:], tt.mult)
		p, err := NewPCI(d.config(), d.mapw, 0x41)
		if err != nil {
			t.Fatalf("NewPCI() = %v", err)
		}
		for i := range 3 {
			q, err := NewQueue(8, make([]byte, QueueBytes(8)), 0x10_0000)
			if err != nil {
				t.Fatal(err)
			}
			p.SetupQueue(i, q)
		}
		d.forget()
		p.Notify(tt.queue)
		want := []access{{tt.wantOff, 2, uint64(tt.queue)}}
		if got := d.notifyWin().writes; !reflect.DeepEqual(got, want) {
			t.Errorf("Notify(%d) with multiplier %d: notify window writes = %x, want %x", tt.queue, tt.mult, got, want)
		}
		if got := d.commonWin().writes; len(got) != 0 {
			t.Errorf("Notify(%d): common window writes = %x, want none", tt.queue, got)
		}
	}
}

func TestPCIStatus(t *testing.T) {
	p, d := newTestPCI(t, true)
	c := d.commonWin()
	c.mem[ccGeneration], c.mem[ccQSelect] = 0x5A, 0x3C
	for _, s := range []uint8{StatusAcknowledge, StatusAcknowledge | StatusDriver, 0x8F, StatusFailed} {
		c.writes = nil
		p.SetStatus(s)
		if want := []access{{ccDevStatus, 1, uint64(s)}}; !reflect.DeepEqual(c.writes, want) {
			t.Errorf("SetStatus(%#x) writes = %x, want %x", s, c.writes, want)
		}
		if got := p.Status(); got != s {
			t.Errorf("Status() after SetStatus(%#x) = %#x, want %#x", s, got, s)
		}
	}
	c.mem[ccDevStatus] = 0x4B
	if got := p.Status(); got != 0x4B {
		t.Errorf("Status() with device_status 0x4b = %#x, want 0x4b", got)
	}
	if c.mem[ccGeneration] != 0x5A || c.mem[ccQSelect] != 0x3C {
		t.Errorf("status accesses changed neighbouring fields: config_generation %#x, queue_select %#x, want 0x5a, 0x3c", c.mem[ccGeneration], c.mem[ccQSelect])
	}
}

func TestPCIReset(t *testing.T) {
	for _, delay := range []int{0, 1, 5, 100} {
		p, d := newTestPCI(t, true)
		c := d.commonWin()
		c.mem[ccDevStatus] = 0x0F
		d.common.resetReads = delay
		p.Reset()
		if want := []access{{ccDevStatus, 1, 0}}; !reflect.DeepEqual(c.writes, want) {
			t.Errorf("Reset() with a %d-read reset writes = %x, want %x", delay, c.writes, want)
		}
		if d.common.resetting != 0 || c.mem[ccDevStatus] != 0 {
			t.Errorf("Reset() with a %d-read reset returned while the device still showed status %#x", delay, c.mem[ccDevStatus])
		}
	}
}

func TestPCIConfig(t *testing.T) {
	p, d := newTestPCI(t, true)
	for _, off := range []int{0, 1, 5, 6, deviceLen - 1} {
		d.deviceWin().reads = nil
		want := byte(0xA0 + off)
		if got := p.Config(off); got != want {
			t.Errorf("Config(%d) = %#x, want %#x", off, got, want)
		}
		if w := []access{{uintptr(off), 1, uint64(want)}}; !reflect.DeepEqual(d.deviceWin().reads, w) {
			t.Errorf("Config(%d) device window reads = %x, want %x", off, d.deviceWin().reads, w)
		}
	}
	if w := d.deviceWin().writes; len(w) != 0 {
		t.Errorf("Config wrote %x, want no writes", w)
	}
}

func TestPCIAckInterrupt(t *testing.T) {
	tests := []struct {
		name  string
		msix  bool
		isr   bool
		value byte
		want  uint32
	}{
		{"MSI-X", true, true, 0x3, 1},
		{"INTx, queue interrupt", false, true, 0x1, 1},
		{"INTx, config interrupt", false, true, 0x2, 2},
		{"INTx, both", false, true, 0x3, 3},
		{"INTx, not ours", false, true, 0x0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, d := newTestPCI(t, tt.msix)
			isr := d.isrWin()
			isr.mem[0] = tt.value
			got := p.AckInterrupt()
			if tt.msix {
				if got == 0 {
					t.Errorf("AckInterrupt() with MSI-X = 0, want nonzero")
				}
				if len(isr.reads)+len(isr.writes) != 0 {
					t.Errorf("AckInterrupt() with MSI-X accessed the ISR window: reads %x, writes %x, want none", isr.reads, isr.writes)
				}
				return
			}
			if got != tt.want {
				t.Errorf("AckInterrupt() with ISR %#x = %d, want %d", tt.value, got, tt.want)
			}
			if w := []access{{0, 1, uint64(tt.value)}}; !reflect.DeepEqual(isr.reads, w) {
				t.Errorf("AckInterrupt() ISR reads = %x, want %x", isr.reads, w)
			}
			if got := p.AckInterrupt(); got != 0 {
				t.Errorf("second AckInterrupt() after the ISR cleared = %d, want 0", got)
			}
		})
	}
}

func TestPCIAckInterruptNoISR(t *testing.T) {
	d := newFakePCIDevice(t)
	d.cfg.unlink(capMSIXAt)
	d.cfg.unlink(capISRAt)
	p, err := NewPCI(d.config(), d.mapw, 0x41)
	if err != nil {
		t.Fatalf("NewPCI() without ISR and MSI-X = %v", err)
	}
	if got := p.AckInterrupt(); got == 0 {
		t.Errorf("AckInterrupt() without an ISR window = 0, want nonzero (assume the interrupt is ours)")
	}
}
