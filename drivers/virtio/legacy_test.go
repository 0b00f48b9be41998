package virtio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"unigo/drivers/pci"
)

// virtio v1.2 §4.1.4.10: the legacy header in BAR 0, spelled out here
// rather than taken from the package so that a wrong constant fails a
// test.
const (
	lhDevFeat   = 0
	lhDrvFeat   = 4
	lhQAddr     = 8
	lhQSize     = 12
	lhQSel      = 14
	lhQNotify   = 16
	lhStatus    = 18
	lhISR       = 19
	lhConfigVec = 20 // MSI-X enabled only
	lhQVec      = 22 // MSI-X enabled only
	lhNoVector  = 0xFFFF
	lhTableSize = 3 // MSI-X table entries of the fake
)

// legacyField is one header field: its width and the accesses the
// driver may make.
type legacyField struct {
	width       int
	read, write bool
}

var legacyFields = map[uintptr]legacyField{
	lhDevFeat:   {4, true, false},
	lhDrvFeat:   {4, true, true},
	lhQAddr:     {4, true, true},
	lhQSize:     {2, true, false},
	lhQSel:      {2, true, true},
	lhQNotify:   {2, false, true}, // the driver has no reason to read it
	lhStatus:    {1, true, true},
	lhISR:       {1, true, false},
	lhConfigVec: {2, true, true},
	lhQVec:      {2, true, true},
}

type legacyQueue struct {
	size   uint16
	pfn    uint32
	vector uint16
}

// fakeLegacy is a legacy virtio-pci device: configuration space with
// an I/O BAR 0 (the header, as a Window that checks the offset and
// width of every access), a memory BAR 1 holding the MSI-X table, and
// optionally an MSI-X capability. Whether the vector registers exist is
// decided by the MSI-X enable bit in configuration space, as on a real
// device.
type fakeLegacy struct {
	t      *testing.T
	cfg    *cfgSpace
	log    []string
	maps   []mapping
	table  *fakeWindow
	mapErr error

	features       uint32
	driverFeatures uint32
	queues         map[uint16]*legacyQueue
	sel            uint16
	status         uint8
	statusLog      []uint8 // every status the driver wrote
	isr            uint8
	configVector   uint16
	refuseConfig   bool // map configuration changes to NO_VECTOR whatever is written
	refuseQueue    bool // the same for queues
	resetReads     int  // reads of the status before a reset shows
	resetting      int
	devConfig      []byte
	reads, writes  []access
	notifies       []uint16
	statusReads    int
}

func newFakeLegacy(t *testing.T, msix bool) *fakeLegacy {
	d := &fakeLegacy{
		t:            t,
		cfg:          &cfgSpace{t: t},
		features:     0x8100_0021,
		queues:       map[uint16]*legacyQueue{0: {size: 256}, 1: {size: 128}, 2: {size: 8}},
		configVector: lhNoVector,
		devConfig:    make([]byte, 12),
	}
	for _, q := range d.queues {
		q.vector = lhNoVector
	}
	for i := range d.devConfig {
		d.devConfig[i] = byte(0xC0 + i)
	}
	s := &d.cfg.s
	binary.LittleEndian.PutUint16(s[0x00:], 0x1AF4)
	binary.LittleEndian.PutUint16(s[0x02:], 0x1000) // transitional network device
	binary.LittleEndian.PutUint16(s[0x06:], 0x0010) // capability list
	binary.LittleEndian.PutUint32(s[0x10:], 0x0000C041)
	binary.LittleEndian.PutUint32(s[0x14:], bar1Base)
	s[0x34] = capPMAt
	s[capPMAt] = 0x01 // power management, then MSI-X
	if msix {
		s[capPMAt+1] = capMSIXAt
		s[capMSIXAt] = 0x11
		binary.LittleEndian.PutUint16(s[capMSIXAt+2:], 0x4000|(lhTableSize-1)) // function masked
		binary.LittleEndian.PutUint32(s[capMSIXAt+4:], tableOff|1)
		binary.LittleEndian.PutUint32(s[capMSIXAt+8:], 0xC00|1)
	}
	d.table = &fakeWindow{t: t, name: "msix", mem: make([]byte, 16), log: &d.log}
	for i := range d.table.mem {
		d.table.mem[i] = 0xFF
	}
	return d
}

func (d *fakeLegacy) config() PCIConfig {
	return recConfig{Config: pci.Config{IO: d.cfg, Slot: testSlot}, log: &d.log}
}

func (d *fakeLegacy) mapw(phys uint64, n uint32) (Window, error) {
	d.maps = append(d.maps, mapping{phys, n})
	d.log = append(d.log, fmt.Sprintf("map(%#x, %#x)", phys, n))
	if d.mapErr != nil {
		return nil, d.mapErr
	}
	if phys != bar1Base+tableOff {
		return nil, fmt.Errorf("fake: nothing at %#x", phys)
	}
	return d.table, nil
}

func (d *fakeLegacy) msixEnabled() bool { return d.cfg.u16(capMSIXAt+2)&(1<<15) != 0 }

// configBase is where the device-specific configuration starts now.
func (d *fakeLegacy) configBase() uintptr {
	if d.msixEnabled() {
		return 24
	}
	return 20
}

// forget drops the accesses made so far.
func (d *fakeLegacy) forget() {
	d.log, d.reads, d.writes, d.statusLog, d.notifies = nil, nil, nil, nil, nil
	d.statusReads = 0
}

// field checks one access and returns the field (ok false: device
// configuration, or an error already reported).
func (d *fakeLegacy) field(op string, off uintptr, size int, write bool) (legacyField, bool) {
	if off >= d.configBase() {
		if write || size != 1 || off-d.configBase() >= uintptr(len(d.devConfig)) {
			d.t.Errorf("io.%s(%#x): device configuration is read a byte at a time within %d bytes from %d", op, off, len(d.devConfig), d.configBase())
		}
		return legacyField{}, false
	}
	f, ok := legacyFields[off]
	switch {
	case !ok:
		d.t.Errorf("io.%s(%#x): no header field starts there", op, off)
	case f.width != size:
		d.t.Errorf("io.%s(%#x): the field is %d bytes wide", op, off, f.width)
	case write && !f.write, !write && !f.read:
		d.t.Errorf("io.%s(%#x): the driver must not do that to this field", op, off)
	default:
		return f, true
	}
	return f, false
}

func (d *fakeLegacy) read(op string, off uintptr, size int) uint64 {
	var v uint64
	if _, ok := d.field(op, off, size, false); ok {
		switch off {
		case lhDevFeat:
			v = uint64(d.features)
		case lhDrvFeat:
			v = uint64(d.driverFeatures)
		case lhQAddr:
			if q := d.queues[d.sel]; q != nil {
				v = uint64(q.pfn)
			}
		case lhQSize:
			if q := d.queues[d.sel]; q != nil {
				v = uint64(q.size)
			}
		case lhQSel:
			v = uint64(d.sel)
		case lhStatus:
			d.statusReads++
			if d.resetting > 0 {
				if d.resetting--; d.resetting == 0 {
					d.status = 0
				}
			}
			v = uint64(d.status)
		case lhISR:
			v, d.isr = uint64(d.isr), 0
		case lhConfigVec:
			v = uint64(d.configVector)
		case lhQVec:
			v = lhNoVector
			if q := d.queues[d.sel]; q != nil {
				v = uint64(q.vector)
			}
		}
	} else if off >= d.configBase() && off-d.configBase() < uintptr(len(d.devConfig)) {
		v = uint64(d.devConfig[off-d.configBase()])
	}
	d.reads = append(d.reads, access{off, size, v})
	return v
}

// keptVector is what the device keeps when v is written to a vector register.
func keptVector(v uint64, refuse bool) uint16 {
	if v == lhNoVector || !refuse && v < lhTableSize {
		return uint16(v)
	}
	return lhNoVector
}

func (d *fakeLegacy) write(op string, off uintptr, size int, v uint64) {
	d.writes = append(d.writes, access{off, size, v})
	d.log = append(d.log, fmt.Sprintf("io.%s(%#x, %#x)", op, off, v))
	if _, ok := d.field(op, off, size, true); !ok {
		return
	}
	q := d.queues[d.sel]
	switch off {
	case lhDrvFeat:
		d.driverFeatures = uint32(v)
	case lhQAddr, lhQVec:
		if q == nil || q.size == 0 {
			d.t.Errorf("io.%s(%#x, %#x) with queue %d selected: no such queue", op, off, v, d.sel)
			return
		}
		if off == lhQAddr {
			q.pfn = uint32(v)
		} else {
			q.vector = keptVector(v, d.refuseQueue)
		}
	case lhQSel:
		d.sel = uint16(v)
	case lhQNotify:
		d.notifies = append(d.notifies, uint16(v))
	case lhStatus:
		d.statusLog = append(d.statusLog, uint8(v))
		if v != 0 {
			d.status = uint8(v)
			return
		}
		// Reset: what the driver set up is gone (QEMU's virtio_reset).
		d.driverFeatures, d.configVector = 0, lhNoVector
		for _, q := range d.queues {
			q.pfn, q.vector = 0, lhNoVector
		}
		if d.resetting = d.resetReads; d.resetting == 0 {
			d.status = 0
		}
	case lhConfigVec:
		d.configVector = keptVector(v, d.refuseConfig)
	}
}

func (d *fakeLegacy) Read8(off uintptr) uint8   { return uint8(d.read("Read8", off, 1)) }
func (d *fakeLegacy) Read16(off uintptr) uint16 { return uint16(d.read("Read16", off, 2)) }
func (d *fakeLegacy) Read32(off uintptr) uint32 { return uint32(d.read("Read32", off, 4)) }
func (d *fakeLegacy) Write8(off uintptr, v uint8) {
	d.write("Write8", off, 1, uint64(v))
}
func (d *fakeLegacy) Write16(off uintptr, v uint16) {
	d.write("Write16", off, 2, uint64(v))
}
func (d *fakeLegacy) Write32(off uintptr, v uint32) {
	d.write("Write32", off, 4, uint64(v))
}

func newTestLegacy(t *testing.T, msix bool) (*LegacyPCI, *fakeLegacy) {
	t.Helper()
	d := newFakeLegacy(t, msix)
	p, err := NewLegacyPCI(d.config(), d, d.mapw, 0x41)
	if err != nil {
		t.Fatalf("NewLegacyPCI() = %v", err)
	}
	d.forget()
	return p, d
}

func TestNewLegacyPCI(t *testing.T) {
	tests := []struct {
		name        string
		msix        bool
		vector      uint8
		wantCommand uint16
		wantMaps    []mapping
		wantWrites  []access
		wantReads   []access
		wantConfig  uintptr
	}{
		{
			name: "MSI-X", msix: true, vector: 0x41, wantCommand: 0x0007,
			wantMaps: []mapping{{bar1Base + tableOff, 16}},
			// Map configuration changes to entry 0 to see the device
			// accepts it, then unmap them (§4.1.5.1.2).
			wantWrites: []access{{lhConfigVec, 2, 0}, {lhConfigVec, 2, lhNoVector}},
			wantReads:  []access{{lhConfigVec, 2, 0}},
			wantConfig: 24,
		},
		{
			name: "MSI-X, vector 0xfe", msix: true, vector: 0xFE, wantCommand: 0x0007,
			wantMaps:   []mapping{{bar1Base + tableOff, 16}},
			wantWrites: []access{{lhConfigVec, 2, 0}, {lhConfigVec, 2, lhNoVector}},
			wantReads:  []access{{lhConfigVec, 2, 0}},
			wantConfig: 24,
		},
		{name: "INTx", msix: false, vector: 0x41, wantCommand: 0x0005, wantConfig: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakeLegacy(t, tt.msix)
			p, err := NewLegacyPCI(d.config(), d, d.mapw, tt.vector)
			if err != nil || p == nil {
				t.Fatalf("NewLegacyPCI() = %v, %v, want a transport", p, err)
			}
			if got := d.cfg.u16(0x04); got != tt.wantCommand {
				t.Errorf("NewLegacyPCI(): command register = %#04x, want %#04x", got, tt.wantCommand)
			}
			if !reflect.DeepEqual(d.maps, tt.wantMaps) {
				t.Errorf("NewLegacyPCI() mapped %x, want %x", d.maps, tt.wantMaps)
			}
			if !reflect.DeepEqual(d.writes, tt.wantWrites) || !reflect.DeepEqual(d.reads, tt.wantReads) {
				t.Errorf("NewLegacyPCI() header writes, reads = %x, %x, want %x, %x", d.writes, d.reads, tt.wantWrites, tt.wantReads)
			}
			if got := p.MSIX(); got != tt.msix {
				t.Errorf("MSIX() = %v, want %v", got, tt.msix)
			}
			if d.configVector != lhNoVector {
				t.Errorf("NewLegacyPCI(): config vector = %#x, want %#x", d.configVector, lhNoVector)
			}
			if i := slices.Index(d.log, "EnableIO"); i != 0 {
				t.Errorf("NewLegacyPCI() log %q: want EnableIO first", d.log)
			}
			if got, want := p.Legacy() && p.FixedQueueSize(), true; got != want {
				t.Errorf("Legacy() && FixedQueueSize() = %v, want %v", got, want)
			}
			d.forget()
			if got, want := p.Config(0), byte(0xC0); got != want {
				t.Errorf("Config(0) = %#x, want %#x", got, want)
			}
			if w := []access{{tt.wantConfig, 1, 0xC0}}; !reflect.DeepEqual(d.reads, w) {
				t.Errorf("Config(0) reads = %x, want %x", d.reads, w)
			}
			if !tt.msix {
				return
			}
			tbl := d.table.mem
			got := [4]uint32{
				binary.LittleEndian.Uint32(tbl[0:]), binary.LittleEndian.Uint32(tbl[4:]),
				binary.LittleEndian.Uint32(tbl[8:]), binary.LittleEndian.Uint32(tbl[12:]),
			}
			if want := [4]uint32{0xFEE00000, 0, uint32(tt.vector), 0}; got != want {
				t.Errorf("NewLegacyPCI(vector %#x): MSI-X entry 0 (addr lo, addr hi, data, control) = %#x, want %#x", tt.vector, got, want)
			}
			if got, want := d.cfg.u16(capMSIXAt+2), uint16(0x8000|(lhTableSize-1)); got != want {
				t.Errorf("NewLegacyPCI(): MSI-X message control = %#04x, want %#04x", got, want)
			}
		})
	}
}

// The vector registers exist only once MSI-X is enabled: the fake
// reports their use before that (as device configuration accesses).
func TestNewLegacyPCIOrder(t *testing.T) {
	d := newFakeLegacy(t, true)
	if _, err := NewLegacyPCI(d.config(), d, d.mapw, 0x41); err != nil {
		t.Fatalf("NewLegacyPCI() = %v", err)
	}
	enable := slices.IndexFunc(d.log, func(s string) bool { return strings.HasPrefix(s, fmt.Sprintf("cfg.Write16(%#x,", capMSIXAt+2)) })
	firstIO := slices.IndexFunc(d.log, func(s string) bool { return strings.HasPrefix(s, "io.") })
	memory := slices.Index(d.log, "EnableMemory")
	firstMap := slices.IndexFunc(d.log, func(s string) bool { return strings.HasPrefix(s, "map(") })
	if enable < 0 || firstIO < enable || memory < 0 || memory > firstMap {
		t.Errorf("NewLegacyPCI() log %q: want EnableMemory before mapping the table, MSI-X enabled before the vector registers are used", d.log)
	}
}

func TestNewLegacyPCIVectorRefused(t *testing.T) {
	d := newFakeLegacy(t, true)
	d.refuseConfig = true
	p, err := NewLegacyPCI(d.config(), d, d.mapw, 0x41)
	if err != nil {
		t.Fatalf("NewLegacyPCI() with the vector refused = %v, want INTx", err)
	}
	if p.MSIX() {
		t.Errorf("MSIX() with the vector refused = true, want false")
	}
	if got, want := d.cfg.u16(capMSIXAt+2), uint16(lhTableSize-1); got != want {
		t.Errorf("NewLegacyPCI() with the vector refused: MSI-X message control = %#04x, want %#04x (disabled)", got, want)
	}
	d.forget()
	if got, want := p.Config(1), byte(0xC1); got != want {
		t.Errorf("Config(1) = %#x, want %#x", got, want)
	}
	d.isr = 1
	if got := p.AckInterrupt(); got != 1 {
		t.Errorf("AckInterrupt() with ISR 1 = %d, want 1", got)
	}
	if w := []access{{20 + 1, 1, 0xC1}, {lhISR, 1, 1}}; !reflect.DeepEqual(d.reads, w) {
		t.Errorf("Config(1), AckInterrupt() reads = %x, want %x", d.reads, w)
	}
}

func TestNewLegacyPCIErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(d *fakeLegacy)
		nilIO   bool
		wantErr string
		noSide  bool // configuration space must be untouched
	}{
		{"BAR 0 is memory", func(d *fakeLegacy) {
			binary.LittleEndian.PutUint32(d.cfg.s[0x10:], 0xFEB00000)
		}, false, "BAR 0", true},
		{"no I/O window", func(*fakeLegacy) {}, true, "window", true},
		{"MSI-X table in an I/O BAR", func(d *fakeLegacy) {
			binary.LittleEndian.PutUint32(d.cfg.s[capMSIXAt+4:], tableOff|0)
		}, false, "I/O BAR", false},
		{"mapping fails", func(d *fakeLegacy) { d.mapErr = errors.New("no page tables") }, false, "no page tables", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakeLegacy(t, true)
			tt.setup(d)
			before := d.cfg.s
			var io Window = d
			if tt.nilIO {
				io = nil
			}
			p, err := NewLegacyPCI(d.config(), io, d.mapw, 0x41)
			if err == nil || p != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewLegacyPCI() = %v, %v, want nil and an error mentioning %q", p, err, tt.wantErr)
			}
			if tt.noSide && (d.cfg.s != before || len(d.maps) != 0) {
				t.Errorf("NewLegacyPCI() failing changed configuration space or mapped %x, want no side effects", d.maps)
			}
			if len(d.writes) != 0 {
				t.Errorf("NewLegacyPCI() failing wrote %x to the header, want nothing", d.writes)
			}
		})
	}
}

func TestLegacyFeatures(t *testing.T) {
	for _, f := range []uint32{0, 1, 0x8100_0021, 0xFFFF_FFFF} {
		p, d := newTestLegacy(t, false)
		d.features = f
		if got := p.Features(); got != uint64(f) {
			t.Errorf("Features() with device features %#x = %#x, want %#x", f, got, f)
		}
		if w := []access{{lhDevFeat, 4, uint64(f)}}; !reflect.DeepEqual(d.reads, w) {
			t.Errorf("Features() reads = %x, want %x", d.reads, w)
		}
	}
}

func TestLegacySetFeatures(t *testing.T) {
	for _, msix := range []bool{false, true} {
		for _, f := range []uint64{0, 0x21, FeatureVersion1 | 0x20, 0xFFFF_FFFF_8000_0001} {
			p, d := newTestLegacy(t, msix)
			p.SetFeatures(f)
			if got, want := d.driverFeatures, uint32(f); got != want {
				t.Errorf("SetFeatures(%#x): device driver features = %#x, want %#x", f, got, want)
			}
			want := []access{{lhDrvFeat, 4, uint64(uint32(f))}}
			if msix {
				want = append(want, access{lhConfigVec, 2, lhNoVector})
			}
			if !reflect.DeepEqual(d.writes, want) {
				t.Errorf("SetFeatures(%#x) with MSI-X %v writes = %x, want %x", f, msix, d.writes, want)
			}
		}
	}
}

func TestLegacyNegotiate(t *testing.T) {
	tests := []struct {
		offered  uint32
		optional uint64
		want     uint64
	}{
		{0x8100_0021, 0x21, 0x21},
		{0x8100_0021, 0x21 | FeatureVersion1 | 1<<40, 0x21},
		{0x8100_0021, 0, 0},
		{0, 0xFFFF_FFFF_FFFF_FFFF, 0},
		{0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF},
	}
	for _, tt := range tests {
		for _, msix := range []bool{false, true} {
			p, d := newTestLegacy(t, msix)
			d.features = tt.offered
			d.status = 0x0F // left over from firmware
			got, err := Negotiate(p, "test", tt.optional)
			if err != nil || got != tt.want {
				t.Errorf("Negotiate(offered %#x, optional %#x) = %#x, %v, want %#x, nil", tt.offered, tt.optional, got, err, tt.want)
			}
			if got&FeatureVersion1 != 0 {
				t.Errorf("Negotiate(offered %#x, optional %#x) = %#x, want no VERSION_1", tt.offered, tt.optional, got)
			}
			if d.driverFeatures != uint32(tt.want) {
				t.Errorf("Negotiate(offered %#x, optional %#x): device driver features = %#x, want %#x", tt.offered, tt.optional, d.driverFeatures, tt.want)
			}
			Ready(p)
			// §3.1.2: no FEATURES_OK over the legacy interface.
			want := []uint8{0, StatusAcknowledge, StatusAcknowledge | StatusDriver, StatusAcknowledge | StatusDriver | StatusDriverOK}
			if !reflect.DeepEqual(d.statusLog, want) {
				t.Errorf("Negotiate(offered %#x), Ready() with MSI-X %v: status writes = %#x, want %#x", tt.offered, msix, d.statusLog, want)
			}
		}
	}
}

// A whole legacy initialisation: Negotiate, a queue, Ready.
func TestLegacyInit(t *testing.T) {
	p, d := newTestLegacy(t, true)
	if _, err := Negotiate(p, "test", 0x20); err != nil {
		t.Fatalf("Negotiate() = %v", err)
	}
	q, err := NewDeviceQueue(p, 1, 64, fixedDMA(0x20_0000))
	if err != nil {
		t.Fatalf("NewDeviceQueue(1) = %v", err)
	}
	Ready(p)
	if got := q.Size(); got != 128 {
		t.Errorf("NewDeviceQueue(1, max 64).Size() = %d, want 128", got)
	}
	if got, want := d.queues[1].pfn, uint32(0x200); got != want {
		t.Errorf("queue 1 PFN = %#x, want %#x", got, want)
	}
	if got := d.queues[1].vector; got != 0 {
		t.Errorf("queue 1 vector = %#x, want 0", got)
	}
	if got := d.configVector; got != lhNoVector {
		t.Errorf("config vector = %#x, want %#x", got, lhNoVector)
	}
	if got, want := d.status, uint8(StatusAcknowledge|StatusDriver|StatusDriverOK); got != want {
		t.Errorf("status after Ready() = %#x, want %#x", got, want)
	}
}

// fixedDMA hands out memory at phys, recording the sizes asked for.
func fixedDMA(phys uint64, sizes ...*[]int) DMA {
	return func(n int) ([]byte, uint64, error) {
		for _, s := range sizes {
			*s = append(*s, n)
		}
		return make([]byte, n), phys, nil
	}
}

func TestLegacyNewDeviceQueue(t *testing.T) {
	tests := []struct {
		name     string
		devSize  uint16 // of queue 1
		max      uint16
		phys     uint64
		msix     bool
		wantSize uint16
		wantErr  string
	}{
		{"device size above max", 256, 128, 0x10_0000, true, 256, ""},
		{"device size below max", 128, 256, 0x10_0000, true, 128, ""},
		{"device size above max, INTx", 8, 4, 0x12_3456_7000, false, 8, ""},
		{"highest page", 8, 8, 0xFFF_FFFF_F000, true, 8, ""},
		{"size not a power of two", 100, 128, 0x10_0000, true, 0, "power of two"},
		{"no queue", 0, 128, 0x10_0000, true, 0, "no queue"},
		{"unaligned memory", 128, 128, 0x10_0800, true, 0, "aligned"},
		{"memory beyond the 32-bit page number", 128, 128, 0x1000_0000_0000, true, 0, "page number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, d := newTestLegacy(t, tt.msix)
			d.queues[1].size = tt.devSize
			var sizes []int
			q, err := NewDeviceQueue(p, 1, tt.max, fixedDMA(tt.phys, &sizes))
			if tt.wantErr != "" {
				if err == nil || q != nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("NewDeviceQueue(1, max %d) with device size %d at %#x = %v, %v, want an error mentioning %q", tt.max, tt.devSize, tt.phys, q, err, tt.wantErr)
				}
				for _, w := range d.writes {
					if w.off == lhQAddr {
						t.Errorf("NewDeviceQueue(1, max %d) failing wrote %x, want no queue address", tt.max, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("NewDeviceQueue(1, max %d) with device size %d = %v", tt.max, tt.devSize, err)
			}
			if got := q.Size(); got != tt.wantSize {
				t.Errorf("NewDeviceQueue(1, max %d) with device size %d: Size() = %d, want %d", tt.max, tt.devSize, got, tt.wantSize)
			}
			if want := []int{QueueBytes(tt.wantSize)}; !reflect.DeepEqual(sizes, want) {
				t.Errorf("NewDeviceQueue(1, max %d): DMA sizes = %d, want %d", tt.max, sizes, want)
			}
			pfn := tt.phys >> 12
			want := []access{{lhQSel, 2, 1}, {lhQSel, 2, 1}}
			if tt.msix {
				want = append(want, access{lhQVec, 2, 0})
			}
			want = append(want, access{lhQAddr, 4, pfn})
			if !reflect.DeepEqual(d.writes, want) {
				t.Errorf("NewDeviceQueue(1, max %d) with MSI-X %v writes = %x, want %x", tt.max, tt.msix, d.writes, want)
			}
			if got := d.queues[1].pfn; uint64(got) != pfn {
				t.Errorf("NewDeviceQueue(1) at %#x: device queue address = %#x, want %#x", tt.phys, got, pfn)
			}
			wantVector := uint16(lhNoVector)
			if tt.msix {
				wantVector = 0
			}
			if got := d.queues[1].vector; got != wantVector {
				t.Errorf("NewDeviceQueue(1) with MSI-X %v: device queue vector = %#x, want %#x", tt.msix, got, wantVector)
			}
		})
	}
}

func TestLegacyQueueVectorRefused(t *testing.T) {
	p, d := newTestLegacy(t, true)
	d.refuseQueue = true
	q, err := NewDeviceQueue(p, 0, 256, fixedDMA(0x10_0000))
	if err == nil || q != nil || !strings.Contains(err.Error(), "MSI-X") {
		t.Errorf("NewDeviceQueue(0) with the vector refused = %v, %v, want an error mentioning MSI-X", q, err)
	}
	if got := d.queues[0].pfn; got != 0 {
		t.Errorf("NewDeviceQueue(0) with the vector refused: queue address = %#x, want 0 (not activated)", got)
	}
}

func TestLegacySetupQueue(t *testing.T) {
	tests := []struct {
		name    string
		size    uint16
		phys    uint64
		wantErr string
		wantPFN uint32
	}{
		{"fits", 256, 0x10_0000, "", 0x100},
		{"smaller than the device's", 64, 0x10_0000, "256", 0},
		{"unaligned", 256, 0x10_0010, "aligned", 0},
		{"beyond 2^44", 256, 1 << 44, "page number", 0},
	}
	for _, tt := range tests {
		for _, checked := range []bool{true, false} {
			p, d := newTestLegacy(t, false)
			q, err := NewQueue(tt.size, make([]byte, QueueBytes(tt.size)), tt.phys)
			if err != nil {
				t.Fatal(err)
			}
			if checked {
				err := p.SetupQueueChecked(0, q)
				if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("SetupQueueChecked(0, size %d at %#x) = %v, want an error mentioning %q", tt.size, tt.phys, err, tt.wantErr)
				}
			} else {
				p.SetupQueue(0, q)
			}
			if got := d.queues[0].pfn; got != tt.wantPFN {
				t.Errorf("SetupQueue(0, size %d at %#x) (checked %v): queue address = %#x, want %#x", tt.size, tt.phys, checked, got, tt.wantPFN)
			}
		}
	}
}

func TestLegacyQueueMax(t *testing.T) {
	p, d := newTestLegacy(t, true)
	d.queues[2].size = 100
	for i, want := range []uint16{256, 128, 100, 0} {
		d.forget()
		if got := p.QueueMax(i); got != want {
			t.Errorf("QueueMax(%d) = %d, want %d", i, got, want)
		}
		if w := []access{{lhQSel, 2, uint64(i)}}; !reflect.DeepEqual(d.writes, w) {
			t.Errorf("QueueMax(%d) writes = %x, want %x", i, d.writes, w)
		}
		if w := []access{{lhQSize, 2, uint64(want)}}; !reflect.DeepEqual(d.reads, w) {
			t.Errorf("QueueMax(%d) reads = %x, want %x", i, d.reads, w)
		}
	}
}

func TestLegacyNotify(t *testing.T) {
	for _, msix := range []bool{false, true} {
		p, d := newTestLegacy(t, msix)
		for _, i := range []int{0, 1, 2} {
			d.forget()
			p.Notify(i)
			if w := []access{{lhQNotify, 2, uint64(i)}}; !reflect.DeepEqual(d.writes, w) || len(d.reads) != 0 {
				t.Errorf("Notify(%d) with MSI-X %v writes, reads = %x, %x, want %x, none", i, msix, d.writes, d.reads, w)
			}
		}
	}
}

func TestLegacyAckInterrupt(t *testing.T) {
	tests := []struct {
		name  string
		msix  bool
		value uint8
		want  uint32
	}{
		{"MSI-X", true, 0x3, 1},
		{"INTx, queue interrupt", false, 0x1, 1},
		{"INTx, config interrupt", false, 0x2, 2},
		{"INTx, both", false, 0x3, 3},
		{"INTx, not ours", false, 0x0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, d := newTestLegacy(t, tt.msix)
			d.isr = tt.value
			got := p.AckInterrupt()
			if tt.msix {
				if got == 0 || len(d.reads)+len(d.writes) != 0 {
					t.Errorf("AckInterrupt() with MSI-X = %d, accesses %x %x, want nonzero and none", got, d.reads, d.writes)
				}
				return
			}
			if got != tt.want {
				t.Errorf("AckInterrupt() with ISR %#x = %d, want %d", tt.value, got, tt.want)
			}
			if w := []access{{lhISR, 1, uint64(tt.value)}}; !reflect.DeepEqual(d.reads, w) || len(d.writes) != 0 {
				t.Errorf("AckInterrupt() reads, writes = %x, %x, want %x, none", d.reads, d.writes, w)
			}
			if got := p.AckInterrupt(); got != 0 {
				t.Errorf("second AckInterrupt() after the ISR cleared = %d, want 0", got)
			}
		})
	}
}

func TestLegacyConfig(t *testing.T) {
	for _, tt := range []struct {
		msix bool
		base uintptr
	}{{false, 20}, {true, 24}} {
		p, d := newTestLegacy(t, tt.msix)
		for _, off := range []int{0, 1, 5, 6, 11} {
			d.reads = nil
			want := byte(0xC0 + off)
			if got := p.Config(off); got != want {
				t.Errorf("Config(%d) with MSI-X %v = %#x, want %#x", off, tt.msix, got, want)
			}
			if w := []access{{tt.base + uintptr(off), 1, uint64(want)}}; !reflect.DeepEqual(d.reads, w) {
				t.Errorf("Config(%d) with MSI-X %v reads = %x, want %x", off, tt.msix, d.reads, w)
			}
		}
		if len(d.writes) != 0 {
			t.Errorf("Config wrote %x, want no writes", d.writes)
		}
	}
}

func TestLegacyStatus(t *testing.T) {
	p, d := newTestLegacy(t, false)
	for _, s := range []uint8{StatusAcknowledge, StatusAcknowledge | StatusDriver, 0x87, StatusFailed} {
		d.writes = nil
		p.SetStatus(s)
		if w := []access{{lhStatus, 1, uint64(s)}}; !reflect.DeepEqual(d.writes, w) {
			t.Errorf("SetStatus(%#x) writes = %x, want %x", s, d.writes, w)
		}
		if got := p.Status(); got != s {
			t.Errorf("Status() after SetStatus(%#x) = %#x, want %#x", s, got, s)
		}
	}
}

func TestLegacyReset(t *testing.T) {
	for _, tt := range []struct{ delay, wantReads int }{{0, 1}, {1, 1}, {5, 5}, {100, 100}, {5000, 1000}} {
		p, d := newTestLegacy(t, false)
		d.status = 0x07
		d.resetReads = tt.delay
		p.Reset()
		if w := []access{{lhStatus, 1, 0}}; !reflect.DeepEqual(d.writes, w) {
			t.Errorf("Reset() with a %d-read reset writes = %x, want %x", tt.delay, d.writes, w)
		}
		if d.statusReads != tt.wantReads {
			t.Errorf("Reset() with a %d-read reset read the status %d times, want %d", tt.delay, d.statusReads, tt.wantReads)
		}
		if tt.delay <= 1000 && d.status != 0 {
			t.Errorf("Reset() with a %d-read reset returned with status %#x, want 0", tt.delay, d.status)
		}
	}
}

// fakeTransport is a minimal Transport for Negotiate, Ready and
// NewDeviceQueue over a modern (non-legacy) device.
type fakeTransport struct {
	offered, accepted uint64
	status            uint8
	statusLog         []uint8
	refuseFeaturesOK  bool
	queueMax          map[int]uint16
	setup             map[int]*Queue
}

func newFakeTransport() *fakeTransport {
	return &fakeTransport{queueMax: map[int]uint16{}, setup: map[int]*Queue{}}
}

func (f *fakeTransport) Reset()        { f.status = 0; f.statusLog = append(f.statusLog, 0) }
func (f *fakeTransport) Status() uint8 { return f.status }
func (f *fakeTransport) SetStatus(s uint8) {
	f.statusLog = append(f.statusLog, s)
	if f.refuseFeaturesOK {
		s &^= StatusFeaturesOK
	}
	f.status = s
}
func (f *fakeTransport) Features() uint64           { return f.offered }
func (f *fakeTransport) SetFeatures(v uint64)       { f.accepted = v }
func (f *fakeTransport) QueueMax(i int) uint16      { return f.queueMax[i] }
func (f *fakeTransport) SetupQueue(i int, q *Queue) { f.setup[i] = q }
func (f *fakeTransport) Notify(int)                 {}
func (f *fakeTransport) AckInterrupt() uint32       { return 1 }
func (f *fakeTransport) Config(int) byte            { return 0 }

// withLegacy adds a Legacy method to a transport.
type withLegacy struct {
	*fakeTransport
	legacy bool
}

func (w withLegacy) Legacy() bool { return w.legacy }

// Without a Legacy method, or with one that says false, Negotiate and
// Ready behave as before legacy devices existed.
func TestNegotiateModern(t *testing.T) {
	const fok = StatusAcknowledge | StatusDriver | StatusFeaturesOK
	tests := []struct {
		name          string
		offered       uint64
		refuse        bool
		want          uint64
		wantErr       string
		wantStatusLog []uint8
	}{
		{"VERSION_1", FeatureVersion1 | 0x21, false, FeatureVersion1 | 0x20, "", []uint8{0, 1, 3, fok, fok | StatusDriverOK}},
		{"no VERSION_1", 0x21, false, 0, "VERSION_1", []uint8{0, 1, 3, StatusFailed}},
		{"FEATURES_OK refused", FeatureVersion1 | 0x21, true, 0, "refused", []uint8{0, 1, 3, fok, StatusFailed}},
	}
	for _, tt := range tests {
		for _, legacy := range []string{"no Legacy method", "Legacy() false"} {
			f := newFakeTransport()
			f.offered, f.refuseFeaturesOK = tt.offered, tt.refuse
			var tr Transport = f
			if legacy == "Legacy() false" {
				tr = withLegacy{f, false}
			}
			got, err := Negotiate(tr, "test", 0x20|1<<40)
			if tt.wantErr == "" {
				if err != nil || got != tt.want || f.accepted != tt.want {
					t.Errorf("Negotiate(%s, offered %#x) = %#x, %v (accepted %#x), want %#x, nil", legacy, tt.offered, got, err, f.accepted, tt.want)
				}
				Ready(tr)
			} else if err == nil || got != 0 || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Negotiate(%s, offered %#x) = %#x, %v, want 0 and an error mentioning %q", legacy, tt.offered, got, err, tt.wantErr)
			}
			if !reflect.DeepEqual(f.statusLog, tt.wantStatusLog) {
				t.Errorf("Negotiate(%s, offered %#x) status writes = %#x, want %#x", legacy, tt.offered, f.statusLog, tt.wantStatusLog)
			}
		}
	}
}

// Any transport saying Legacy() true negotiates the legacy way.
func TestNegotiateLegacyFlag(t *testing.T) {
	f := newFakeTransport()
	f.offered = 0x21
	tr := withLegacy{f, true}
	got, err := Negotiate(tr, "test", 0x20|FeatureVersion1)
	if err != nil || got != 0x20 || f.accepted != 0x20 {
		t.Errorf("Negotiate(legacy, offered 0x21) = %#x, %v (accepted %#x), want 0x20, nil", got, err, f.accepted)
	}
	Ready(tr)
	if want := []uint8{0, 1, 3, 7}; !reflect.DeepEqual(f.statusLog, want) {
		t.Errorf("Negotiate(legacy), Ready() status writes = %#x, want %#x", f.statusLog, want)
	}
}

// Without FixedQueueSize, NewDeviceQueue picks min(QueueMax, max)
// rounded down to a power of two, and takes any memory.
func TestNewDeviceQueueModern(t *testing.T) {
	tests := []struct {
		queueMax, max, want uint16
		wantErr             bool
	}{
		{256, 128, 128, false},
		{100, 128, 64, false},
		{128, 100, 64, false},
		{8, 256, 8, false},
		{0, 128, 0, true},
		{128, 0, 0, true},
	}
	for _, tt := range tests {
		f := newFakeTransport()
		f.queueMax[1] = tt.queueMax
		q, err := NewDeviceQueue(f, 1, tt.max, fixedDMA(0x10_0800)) // unaligned is fine here
		if tt.wantErr {
			if err == nil || f.setup[1] != nil {
				t.Errorf("NewDeviceQueue(QueueMax %d, max %d) = %v, %v, want an error", tt.queueMax, tt.max, q, err)
			}
			continue
		}
		if err != nil || q.Size() != tt.want || f.setup[1] != q {
			t.Errorf("NewDeviceQueue(QueueMax %d, max %d) = %v, %v, want a queue of %d set up", tt.queueMax, tt.max, q, err, tt.want)
		}
	}
}

// withFixed adds FixedQueueSize to a transport (without
// SetupQueueChecked, so NewDeviceQueue's own checks are what count).
type withFixed struct{ *fakeTransport }

func (withFixed) FixedQueueSize() bool { return true }

func TestNewDeviceQueueFixed(t *testing.T) {
	tests := []struct {
		queueMax, max uint16
		phys          uint64
		want          uint16
		wantErr       string
	}{
		{256, 128, 0x10_0000, 256, ""},
		{8, 256, 0x10_0000, 8, ""},
		{128, 0, 0x10_0000, 128, ""},
		{100, 128, 0x10_0000, 0, "power of two"},
		{0, 128, 0x10_0000, 0, "no queue"},
		{128, 128, 0x10_0800, 0, "aligned"},
	}
	for _, tt := range tests {
		f := newFakeTransport()
		f.queueMax[1] = tt.queueMax
		q, err := NewDeviceQueue(withFixed{f}, 1, tt.max, fixedDMA(tt.phys))
		if tt.wantErr != "" {
			if err == nil || q != nil || f.setup[1] != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewDeviceQueue(fixed %d, max %d) at %#x = %v, %v, want no queue set up and an error mentioning %q", tt.queueMax, tt.max, tt.phys, q, err, tt.wantErr)
			}
			continue
		}
		if err != nil || q.Size() != tt.want || f.setup[1] != q {
			t.Errorf("NewDeviceQueue(fixed %d, max %d) = %v, %v, want a queue of %d set up", tt.queueMax, tt.max, q, err, tt.want)
		}
	}
}
