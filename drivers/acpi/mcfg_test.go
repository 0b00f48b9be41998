package acpi

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func TestParseMCFG(t *testing.T) {
	tests := []struct {
		name    string
		table   []byte
		want    []MCFGEntry
		wantErr int
	}{
		{"no entries", mcfg(), []MCFGEntry{}, 0},
		{
			"one segment",
			mcfg(MCFGEntry{Base: 0xB0000000, EndBus: 0xFF}),
			[]MCFGEntry{{Base: 0xB0000000, EndBus: 0xFF}},
			0,
		},
		{
			"several, above 4 GiB",
			mcfg(
				MCFGEntry{Base: 0xE0000000, Segment: 0, StartBus: 0, EndBus: 0x3F},
				MCFGEntry{Base: 0x38_0000_0000, Segment: 1, StartBus: 0x80, EndBus: 0xFF},
				MCFGEntry{Base: 0xF0000000, Segment: 2, StartBus: 7, EndBus: 7},
			),
			[]MCFGEntry{
				{Base: 0xE0000000, EndBus: 0x3F},
				{Base: 0x38_0000_0000, Segment: 1, StartBus: 0x80, EndBus: 0xFF},
				{Base: 0xF0000000, Segment: 2, StartBus: 7, EndBus: 7},
			},
			0,
		},
		{
			"bad entries skipped",
			mcfg(
				MCFGEntry{Base: 0xE0000000, StartBus: 5, EndBus: 4},
				MCFGEntry{Base: 0, EndBus: 4},
				MCFGEntry{Base: 0xFFFF_FFFF_FFF0_0000, EndBus: 0},    // 1 MiB reaching exactly 2^64
				MCFGEntry{Base: 0xFFFF_FFFF_FFF0_0000, EndBus: 1},    // wraps
				MCFGEntry{Base: 0xFFFF_FFFF_F000_0000, EndBus: 0xFF}, // 256 MiB reaching exactly 2^64
				MCFGEntry{Base: 0xB0000000, EndBus: 0xFF},
			),
			[]MCFGEntry{{Base: 0xFFFF_FFFF_FFF0_0000}, {Base: 0xFFFF_FFFF_F000_0000, EndBus: 0xFF}, {Base: 0xB0000000, EndBus: 0xFF}},
			3,
		},
		{
			"trailing bytes",
			seal(append(mcfg(MCFGEntry{Base: 0xB0000000, EndBus: 0xFF}), 1, 2, 3)),
			[]MCFGEntry{{Base: 0xB0000000, EndBus: 0xFF}},
			1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseMCFG(tt.table)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMCFG() = %+v, want %+v", got, tt.want)
			}
			if len(errs) != tt.wantErr {
				t.Errorf("ParseMCFG() errors = %v, want %d", errs, tt.wantErr)
			}
		})
	}
}

func TestParseMCFGBad(t *testing.T) {
	short := mcfg()
	binary.LittleEndian.PutUint32(short[4:], 40)
	tests := []struct {
		name  string
		table []byte
	}{
		{"reserved bytes cut", seal(short[:40])},
		{"wrong signature", sdt("MCFX", 1, make([]byte, 8))},
		{"nil", nil},
	}
	for _, tt := range tests {
		got, errs := ParseMCFG(tt.table)
		if got != nil || len(errs) != 1 {
			t.Errorf("ParseMCFG(%s) = %+v, %v, want nil and one error", tt.name, got, errs)
		}
	}
	_, errs := ParseMCFG(seal(short[:40]))
	if !errors.Is(errs[0], ErrLength) {
		t.Errorf("ParseMCFG(40 bytes) error = %v, want ErrLength", errs[0])
	}
}

func TestMCFGRegion(t *testing.T) {
	tests := []struct {
		e          MCFGEntry
		phys, size uint64
	}{
		{MCFGEntry{Base: 0xB0000000, EndBus: 0xFF}, 0xB0000000, 256 << 20},
		{MCFGEntry{Base: 0xB0000000, EndBus: 0}, 0xB0000000, 1 << 20},
		{MCFGEntry{Base: 0xB0000000, StartBus: 0x10, EndBus: 0x1F}, 0xB1000000, 16 << 20},
		{MCFGEntry{Base: 0x38_0000_0000, StartBus: 0xFF, EndBus: 0xFF}, 0x38_0FF0_0000, 1 << 20},
	}
	for _, tt := range tests {
		phys, size := tt.e.Region()
		if phys != tt.phys || size != tt.size {
			t.Errorf("%+v.Region() = %#x, %#x, want %#x, %#x", tt.e, phys, size, tt.phys, tt.size)
		}
	}
}
