package virtio

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Register offsets from the spec (§4.2.2), spelled out here rather than
// taken from the package so that a wrong constant fails a test.
const (
	specMagic          = 0x000
	specVersion        = 0x004
	specDeviceID       = 0x008
	specDeviceFeatures = 0x010
	specDeviceFeatSel  = 0x014
	specDriverFeatures = 0x020
	specDriverFeatSel  = 0x024
	specQueueSel       = 0x030
	specQueueNumMax    = 0x034
	specQueueNum       = 0x038
	specQueueReady     = 0x044
	specQueueNotify    = 0x050
	specInterruptStat  = 0x060
	specInterruptAck   = 0x064
	specStatus         = 0x070
	specQueueDescLow   = 0x080
	specQueueDescHigh  = 0x084
	specQueueDrvLow    = 0x090
	specQueueDrvHigh   = 0x094
	specQueueDevLow    = 0x0a0
	specQueueDevHigh   = 0x0a4
	specConfig         = 0x100
)

type regWrite struct {
	off uintptr
	v   uint32
}

// fakeRegs is a virtio-mmio register window. Plain registers read back
// regs; DeviceFeatures shows the half of features chosen by the last
// DeviceFeaturesSel write, QueueNumMax the entry of queueMax chosen by
// QueueSel, DriverFeatures writes land in driverFeatures by
// DriverFeaturesSel, and config is read as little-endian 32-bit words.
type fakeRegs struct {
	t              *testing.T
	regs           map[uintptr]uint32
	features       uint64
	driverFeatures map[uint32]uint32
	queueMax       map[uint32]uint32
	config         []byte
	writes         []regWrite
	reads          []uintptr
}

func newFakeRegs(t *testing.T) *fakeRegs {
	return &fakeRegs{
		t: t,
		regs: map[uintptr]uint32{
			specMagic: 0x74726976, specVersion: 2, specDeviceID: 1,
			// Selectors start out of range so that a driver that does not
			// write them reads nothing useful.
			specDeviceFeatSel: 0xdead, specQueueSel: 0xdead,
		},
		driverFeatures: map[uint32]uint32{},
		queueMax:       map[uint32]uint32{},
	}
}

func (r *fakeRegs) Read32(off uintptr) uint32 {
	r.reads = append(r.reads, off)
	if off%4 != 0 {
		r.t.Errorf("Read32(%#x): unaligned register access", off)
	}
	switch {
	case off == specDeviceFeatures:
		switch r.regs[specDeviceFeatSel] {
		case 0:
			return uint32(r.features)
		case 1:
			return uint32(r.features >> 32)
		}
		return 0
	case off == specQueueNumMax:
		return r.queueMax[r.regs[specQueueSel]]
	case off >= specConfig:
		i := int(off - specConfig)
		var w [4]byte
		if i < len(r.config) {
			copy(w[:], r.config[i:])
		}
		return binary.LittleEndian.Uint32(w[:])
	}
	return r.regs[off]
}

func (r *fakeRegs) Write32(off uintptr, v uint32) {
	r.writes = append(r.writes, regWrite{off, v})
	if off == specDriverFeatures {
		r.driverFeatures[r.regs[specDriverFeatSel]] = v
	}
	r.regs[off] = v
}

func TestNewMMIO(t *testing.T) {
	tests := []struct {
		name            string
		magic, ver, id  uint32
		wantErr         error  // errors.Is
		wantErrContains string // or a message naming the fix
	}{
		{"net device", 0x74726976, 2, 1, nil, ""},
		{"block device", 0x74726976, 2, 2, nil, ""},
		{"wrong magic", 0x76697274, 2, 1, ErrNoDevice, ""},
		{"zero magic", 0, 2, 1, ErrNoDevice, ""},
		{"all ones", 0xffffffff, 0xffffffff, 0xffffffff, ErrNoDevice, ""},
		{"device id 0", 0x74726976, 2, 0, ErrNoDevice, ""},
		{"legacy version 1", 0x74726976, 1, 1, nil, "force-legacy"},
		{"version 3", 0x74726976, 3, 1, nil, "version 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFakeRegs(t)
			r.regs[specMagic], r.regs[specVersion], r.regs[specDeviceID] = tt.magic, tt.ver, tt.id
			m, err := NewMMIO(r)
			switch {
			case tt.wantErr == nil && tt.wantErrContains == "":
				if err != nil || m == nil {
					t.Fatalf("NewMMIO(magic %#x, version %d, id %d) = %v, %v, want a transport, nil", tt.magic, tt.ver, tt.id, m, err)
				}
				if got := m.DeviceID(); got != tt.id {
					t.Errorf("DeviceID() = %d, want %d", got, tt.id)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || m != nil {
					t.Errorf("NewMMIO(magic %#x, version %d, id %d) = %v, %v, want nil, %v", tt.magic, tt.ver, tt.id, m, err, tt.wantErr)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.wantErrContains) || m != nil {
					t.Errorf("NewMMIO(magic %#x, version %d, id %d) = %v, %v, want nil and an error mentioning %q", tt.magic, tt.ver, tt.id, m, err, tt.wantErrContains)
				}
			}
			if len(r.writes) != 0 {
				t.Errorf("NewMMIO wrote registers %v, want no writes while probing", r.writes)
			}
		})
	}
}

func newTestMMIO(t *testing.T) (*MMIO, *fakeRegs) {
	t.Helper()
	r := newFakeRegs(t)
	m, err := NewMMIO(r)
	if err != nil {
		t.Fatal(err)
	}
	r.reads = nil
	return m, r
}

func TestFeatures(t *testing.T) {
	for _, f := range []uint64{0, 1, 0x1_0000_0000, 0x1_0001_0020, 0xffff_ffff_ffff_ffff, 0x8000_0000_0000_0001} {
		m, r := newTestMMIO(t)
		r.features = f
		if got := m.Features(); got != f {
			t.Errorf("Features() with device features %#x = %#x, want %#x", f, got, f)
		}
	}
}

func TestSetFeatures(t *testing.T) {
	for _, f := range []uint64{0, 0x1_0000_0020, 0xffff_ffff_0000_0000, 0x0000_0002_8000_0001} {
		m, r := newTestMMIO(t)
		m.SetFeatures(f)
		got := uint64(r.driverFeatures[1])<<32 | uint64(r.driverFeatures[0])
		if got != f || len(r.driverFeatures) != 2 {
			t.Errorf("SetFeatures(%#x): device got words %v = %#x, want %#x in words 0 and 1", f, r.driverFeatures, got, f)
		}
		want := []regWrite{
			{specDriverFeatSel, 0}, {specDriverFeatures, uint32(f)},
			{specDriverFeatSel, 1}, {specDriverFeatures, uint32(f >> 32)},
		}
		if !reflect.DeepEqual(r.writes, want) {
			t.Errorf("SetFeatures(%#x) writes = %x, want %x", f, r.writes, want)
		}
	}
}

func TestQueueMax(t *testing.T) {
	m, r := newTestMMIO(t)
	r.queueMax = map[uint32]uint32{0: 256, 1: 1024, 3: 32768}
	for i, want := range []uint16{256, 1024, 0, 32768} {
		r.writes = nil
		if got := m.QueueMax(i); got != want {
			t.Errorf("QueueMax(%d) = %d, want %d", i, got, want)
		}
		if w := []regWrite{{specQueueSel, uint32(i)}}; !reflect.DeepEqual(r.writes, w) {
			t.Errorf("QueueMax(%d) writes = %x, want %x", i, r.writes, w)
		}
	}
}

func TestSetupQueue(t *testing.T) {
	tests := []struct {
		index int
		size  uint16
		phys  uint64
	}{
		{0, 256, 0x10_0000},
		{1, 8, 0x1_2345_6000},
		{2, 1, 0xffff_f000_0000_0000},
	}
	for _, tt := range tests {
		m, r := newTestMMIO(t)
		q, err := NewQueue(tt.size, make([]byte, QueueBytes(tt.size)), tt.phys)
		if err != nil {
			t.Fatal(err)
		}
		m.SetupQueue(tt.index, q)
		d, a, u := q.Addresses()
		want := []regWrite{
			{specQueueSel, uint32(tt.index)},
			{specQueueNum, uint32(tt.size)},
			{specQueueDescLow, uint32(d)}, {specQueueDescHigh, uint32(d >> 32)},
			{specQueueDrvLow, uint32(a)}, {specQueueDrvHigh, uint32(a >> 32)},
			{specQueueDevLow, uint32(u)}, {specQueueDevHigh, uint32(u >> 32)},
			{specQueueReady, 1},
		}
		if !reflect.DeepEqual(r.writes, want) {
			t.Errorf("SetupQueue(%d, size %d at %#x) writes = %x, want %x", tt.index, tt.size, tt.phys, r.writes, want)
		}
		// Reassemble the addresses from the registers the device sees.
		got := func(lo, hi uintptr) uint64 { return uint64(r.regs[hi])<<32 | uint64(r.regs[lo]) }
		if gd, ga, gu := got(specQueueDescLow, specQueueDescHigh), got(specQueueDrvLow, specQueueDrvHigh), got(specQueueDevLow, specQueueDevHigh); gd != tt.phys || ga != a || gu != u {
			t.Errorf("SetupQueue(%d): device sees desc %#x, driver %#x, device %#x, want %#x, %#x, %#x", tt.index, gd, ga, gu, tt.phys, a, u)
		}
	}
}

func TestNotify(t *testing.T) {
	for _, i := range []int{0, 1, 7} {
		m, r := newTestMMIO(t)
		m.Notify(i)
		if want := []regWrite{{specQueueNotify, uint32(i)}}; !reflect.DeepEqual(r.writes, want) {
			t.Errorf("Notify(%d) writes = %x, want %x", i, r.writes, want)
		}
	}
}

func TestAckInterrupt(t *testing.T) {
	for _, status := range []uint32{0, 1, 2, 3} {
		m, r := newTestMMIO(t)
		r.regs[specInterruptStat] = status
		if got := m.AckInterrupt(); got != status {
			t.Errorf("AckInterrupt() with status %d = %d, want %d", status, got, status)
		}
		var want []regWrite
		if status != 0 {
			want = []regWrite{{specInterruptAck, status}}
		}
		if !reflect.DeepEqual(r.writes, want) {
			t.Errorf("AckInterrupt() with status %d writes = %x, want %x", status, r.writes, want)
		}
	}
}

func TestStatus(t *testing.T) {
	m, r := newTestMMIO(t)
	for _, s := range []uint8{StatusAcknowledge, StatusAcknowledge | StatusDriver, 0x8f, StatusFailed} {
		r.writes = nil
		m.SetStatus(s)
		if want := []regWrite{{specStatus, uint32(s)}}; !reflect.DeepEqual(r.writes, want) {
			t.Errorf("SetStatus(%#x) writes = %x, want %x", s, r.writes, want)
		}
		if got := m.Status(); got != s {
			t.Errorf("Status() after SetStatus(%#x) = %#x, want %#x", s, got, s)
		}
	}
	r.writes = nil
	m.Reset()
	if want := []regWrite{{specStatus, 0}}; !reflect.DeepEqual(r.writes, want) {
		t.Errorf("Reset() writes = %x, want %x", r.writes, want)
	}
	if got := m.Status(); got != 0 {
		t.Errorf("Status() after Reset() = %#x, want 0", got)
	}
}

func TestConfig(t *testing.T) {
	m, r := newTestMMIO(t)
	r.config = []byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x01, 0x00, 0xdc, 0x05}
	for off, want := range r.config {
		r.reads = nil
		if got := m.Config(off); got != want {
			t.Errorf("Config(%d) = %#x, want %#x", off, got, want)
		}
		if w := []uintptr{specConfig + uintptr(off&^3)}; !reflect.DeepEqual(r.reads, w) {
			t.Errorf("Config(%d) reads registers %x, want %x", off, r.reads, w)
		}
	}
	if len(r.writes) != 0 {
		t.Errorf("Config wrote %x, want no writes", r.writes)
	}
}
