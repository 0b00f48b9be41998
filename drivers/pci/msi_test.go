package pci

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// Interrupt messages as the SDM lays them out (vol. 3, 12.11.1-2),
// spelled out rather than taken from the package.
const (
	specMSIAddr = 0xFEE00000 // bits 31:20 = FEEH, destination APIC ID in 19:12
	msiCapAt    = 0x40
	msixCapAt   = 0x50
	tableBAR    = 1
	tableBase   = 0xFE000000
	tableOffset = 0x800
)

func TestMessage(t *testing.T) {
	for _, c := range []struct {
		dest, vector uint8
		addr         uint64
		data         uint32
	}{
		{0, 0x41, specMSIAddr, 0x41},
		{0, 0xFE, specMSIAddr, 0xFE},
		{3, 0x30, specMSIAddr | 3<<12, 0x30},
		{0xFF, 0x3F, specMSIAddr | 0xFF<<12, 0x3F},
	} {
		addr, data := Message(c.dest, c.vector)
		if addr != c.addr || data != c.data {
			t.Errorf("Message(dest %d, vector %#x) = %#x, %#x; want %#x, %#x (fixed, physical, edge)", c.dest, c.vector, addr, data, c.addr, c.data)
		}
	}
}

// withCaps gives fn a capability list: MSI at msiCapAt, MSI-X at
// msixCapAt with a table of entries entries in BAR 1.
func withCaps(fn *fakeFunc, msiCtl uint16, entries int) {
	binary.LittleEndian.PutUint16(fn.s[0x06:], 1<<4) // Status: capability list
	fn.s[0x34] = msiCapAt
	fn.s[msiCapAt], fn.s[msiCapAt+1] = 0x05, msixCapAt
	binary.LittleEndian.PutUint16(fn.s[msiCapAt+2:], msiCtl)
	fn.s[msixCapAt], fn.s[msixCapAt+1] = 0x11, 0
	binary.LittleEndian.PutUint16(fn.s[msixCapAt+2:], 1<<14|uint16(entries-1)) // function masked
	binary.LittleEndian.PutUint32(fn.s[msixCapAt+4:], tableOffset|tableBAR)
	binary.LittleEndian.PutUint32(fn.s[0x10+4*tableBAR:], tableBase) // 32-bit memory BAR
}

// table is an MSI-X table in memory; each write records whether MSI-X
// was already enabled, which it must not be until the entry is complete.
type table struct {
	fn           *fakeFunc
	mem          []byte
	writtenAfter []bool
}

func (w *table) Read32(off uintptr) uint32 { return binary.LittleEndian.Uint32(w.mem[off:]) }
func (w *table) Write32(off uintptr, v uint32) {
	binary.LittleEndian.PutUint32(w.mem[off:], v)
	w.writtenAfter = append(w.writtenAfter, w.fn.u16(msixCapAt+2)&(1<<15) != 0)
}

type mapped struct {
	phys uint64
	n    uint32
}

func TestFindCap(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		c, fn := testConfig(t, m)
		if got := c.FindCap(CapMSIX); got != 0 {
			t.Errorf("FindCap(MSI-X) without a capability list = %#x, want 0", got)
		}
		withCaps(fn, 0, 1)
		if got := c.FindCap(CapMSI); got != msiCapAt {
			t.Errorf("FindCap(MSI) = %#x, want %#x", got, msiCapAt)
		}
		if got := c.FindCap(CapMSIX); got != msixCapAt {
			t.Errorf("FindCap(MSI-X) = %#x, want %#x", got, msixCapAt)
		}
		if got := c.FindCap(0x10); got != 0 {
			t.Errorf("FindCap(PCI Express) = %#x, want 0", got)
		}
	})
}

func TestSetupMSIX(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		for _, entry := range []int{0, 2} {
			c, fn := testConfig(t, m)
			withCaps(fn, 0, 3)
			tbl := &table{fn: fn, mem: make([]byte, 16)}
			var maps []mapped
			mapw := func(phys uint64, n uint32) (Window, error) {
				maps = append(maps, mapped{phys, n})
				return tbl, nil
			}
			if err := SetupMSIX(c, msixCapAt, mapw, entry, 2, 0x41); err != nil {
				t.Fatalf("SetupMSIX(entry %d) = %v", entry, err)
			}
			if want := []mapped{{tableBase + tableOffset + 16*uint64(entry), 16}}; len(maps) != 1 || maps[0] != want[0] {
				t.Errorf("SetupMSIX(entry %d) mapped %v, want %v", entry, maps, want)
			}
			got := [4]uint32{tbl.Read32(0), tbl.Read32(4), tbl.Read32(8), tbl.Read32(12)}
			if want := [4]uint32{specMSIAddr | 2<<12, 0, 0x41, 0}; got != want {
				t.Errorf("SetupMSIX(entry %d): entry (addr lo, addr hi, data, control) = %#x, want %#x", entry, got, want)
			}
			for i, after := range tbl.writtenAfter {
				if after {
					t.Errorf("SetupMSIX(entry %d): table write %d after MSI-X was enabled", entry, i)
				}
			}
			if got, want := fn.u16(msixCapAt+2), uint16(1<<15|2); got != want {
				t.Errorf("SetupMSIX(entry %d): message control = %#04x, want %#04x (enabled, function unmasked, size kept)", entry, got, want)
			}
		}
	})
}

func TestSetupMSIXErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		entry   int
		ioBAR   bool
		mapErr  error
		wantErr string
		maps    int
	}{
		{"entry beyond the table", 3, false, nil, "entry 3 of 3", 0},
		{"negative entry", -1, false, nil, "entry -1", 0},
		{"table in an I/O BAR", 0, true, nil, "I/O BAR", 0},
		{"mapping fails", 0, false, errors.New("no page tables"), "no page tables", 1},
	} {
		forEach(t, func(t *testing.T, m method) {
			cfg, fn := testConfig(t, m)
			withCaps(fn, 0, 3)
			if c.ioBAR {
				binary.LittleEndian.PutUint32(fn.s[0x10+4*tableBAR:], 0xC001)
			}
			maps := 0
			mapw := func(uint64, uint32) (Window, error) {
				maps++
				return nil, c.mapErr
			}
			err := SetupMSIX(cfg, msixCapAt, mapw, c.entry, 0, 0x41)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: SetupMSIX() = %v, want an error mentioning %q", c.name, err, c.wantErr)
			}
			if maps != c.maps {
				t.Errorf("%s: SetupMSIX() mapped %d times, want %d", c.name, maps, c.maps)
			}
			if got, want := fn.u16(msixCapAt+2), uint16(1<<14|2); got != want {
				t.Errorf("%s: message control = %#04x, want %#04x untouched", c.name, got, want)
			}
		})
	}
}

func TestDisableMSIX(t *testing.T) {
	forEach(t, func(t *testing.T, m method) {
		c, fn := testConfig(t, m)
		withCaps(fn, 0, 3)
		binary.LittleEndian.PutUint16(fn.s[msixCapAt+2:], 1<<15|2)
		DisableMSIX(c, msixCapAt)
		if got, want := fn.u16(msixCapAt+2), uint16(2); got != want {
			t.Errorf("DisableMSIX: message control = %#04x, want %#04x", got, want)
		}
	})
}

func TestSetupMSI(t *testing.T) {
	for _, c := range []struct {
		name    string
		ctl     uint16 // as the device has it
		wantCtl uint16
		dataAt  int
	}{
		// 32-bit address, one message capable.
		{"32-bit", 0x0000, 0x0001, msiCapAt + 8},
		// 64-bit capable, 8 messages capable, 4 enabled by firmware:
		// one message it is.
		{"64-bit", 0x0086 | 2<<4, 0x0087, msiCapAt + 0xC},
	} {
		forEach(t, func(t *testing.T, m method) {
			cfg, fn := testConfig(t, m)
			withCaps(fn, c.ctl, 1)
			binary.LittleEndian.PutUint32(fn.s[msiCapAt+8:], 0xDEADBEEF) // stale upper address or data
			binary.LittleEndian.PutUint32(fn.s[msiCapAt+0xC:], 0xDEADBEEF)
			SetupMSI(cfg, msiCapAt, 1, 0x42)
			if got, want := fn.u32(msiCapAt+4), uint32(specMSIAddr|1<<12); got != want {
				t.Errorf("%s: message address = %#x, want %#x", c.name, got, want)
			}
			if got := fn.u16(c.dataAt); got != 0x42 {
				t.Errorf("%s: message data at %#x = %#x, want %#x", c.name, c.dataAt, got, 0x42)
			}
			if c.dataAt == msiCapAt+0xC {
				if got := fn.u32(msiCapAt + 8); got != 0 {
					t.Errorf("%s: upper address = %#x, want 0", c.name, got)
				}
			}
			if got := fn.u16(msiCapAt + 2); got != c.wantCtl {
				t.Errorf("%s: message control %#04x -> %#04x, want %#04x", c.name, c.ctl, got, c.wantCtl)
			}
			if got := [2]byte(fn.s[msiCapAt:]); got != [2]byte{0x05, msixCapAt} {
				t.Errorf("%s: capability header = % x, want it untouched", c.name, got)
			}
		})
	}
}
