package acpi

import (
	"encoding/binary"
	"reflect"
	"testing"
)

func TestParseFADT(t *testing.T) {
	got, err := ParseFADT(fullFADT(0x7FE2000, 0x1_0000_0000))
	if err != nil {
		t.Fatalf("ParseFADT() error %v", err)
	}
	want := &FADT{
		Revision: 6, MinorVersion: 5, Length: 276,
		FirmwareCtrl: 0x7FE1000, DSDT: 0x1_0000_0000,
		SCIInterrupt: 9, SMICommand: 0xB2, ACPIEnable: 0xF1, ACPIDisable: 0xF0,
		PM1aEventBlock: 0x600, PM1aControlBlock: 0x604, PM1ControlLength: 2, PMTimerBlock: 0x608,
		Century: 0x32, IAPCBootArch: 3, Flags: 1<<10 | 1<<8 | 1<<4,
		ResetReg:          GAS{SpaceID: SpaceSystemIO, BitWidth: 8, AccessSize: AccessByte, Address: 0xCF9},
		ResetValue:        0x0F,
		XPM1aControlBlock: GAS{SpaceID: SpaceSystemIO, BitWidth: 16, AccessSize: AccessWord, Address: 0x604},
		XPMTimerBlock:     GAS{SpaceID: SpaceSystemIO, BitWidth: 32, AccessSize: AccessDword, Address: 0x608},
		HypervisorVendor:  "UNIGOHV",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseFADT() = %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		name      string
		got, want bool
	}{
		{"ResetSupported", got.ResetSupported(), true},
		{"HardwareReduced", got.HardwareReduced(), false},
		{"LegacyDevices", got.LegacyDevices(), true},
		{"Has8042", got.Has8042(), true},
		{"VGANotPresent", got.VGANotPresent(), false},
		{"MSINotSupported", got.MSINotSupported(), false},
	} {
		if c.got != c.want {
			t.Errorf("ParseFADT().%s() = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// DSDT: X_DSDT wins when it is not zero (§5.2.9); FACS likewise.
func TestFADTAddresses(t *testing.T) {
	tests := []struct {
		dsdt32           uint32
		xdsdt            uint64
		xfacs            uint64
		wantDSDT, wantFC uint64
	}{
		{0x1000, 0, 0, 0x1000, 0x7FE1000},
		{0x1000, 0x2000, 0, 0x2000, 0x7FE1000},
		{0, 0x3_0000_0000, 0x4_0000_0000, 0x3_0000_0000, 0x4_0000_0000},
		{0, 0, 0, 0, 0x7FE1000},
	}
	for _, tt := range tests {
		b := fullFADT(tt.dsdt32, tt.xdsdt)
		put64(b, 132, tt.xfacs)
		f, err := ParseFADT(seal(b))
		if err != nil {
			t.Fatalf("ParseFADT() error %v", err)
		}
		if f.DSDT != tt.wantDSDT || f.FirmwareCtrl != tt.wantFC {
			t.Errorf("ParseFADT(DSDT %#x, X_DSDT %#x, X_FIRMWARE_CTRL %#x) = DSDT %#x, FirmwareCtrl %#x, want %#x, %#x",
				tt.dsdt32, tt.xdsdt, tt.xfacs, f.DSDT, f.FirmwareCtrl, tt.wantDSDT, tt.wantFC)
		}
	}
}

// Older, shorter FADTs: fields past Length read as zero even when the
// bytes behind the table hold something.
func TestParseShortFADT(t *testing.T) {
	full := fullFADT(0x7FE2000, 0x1_0000_0000)
	tests := []struct {
		name     string
		n        int
		rev      uint8
		want     *FADT
		resetSup bool
	}{
		{
			// ACPI 1.0: 116 bytes, up to Flags.
			"revision 1", 116, 1,
			&FADT{Revision: 1, Length: 116, FirmwareCtrl: 0x7FE1000, DSDT: 0x7FE2000, SCIInterrupt: 9, SMICommand: 0xB2,
				ACPIEnable: 0xF1, ACPIDisable: 0xF0, PM1aEventBlock: 0x600, PM1aControlBlock: 0x604, PM1ControlLength: 2,
				PMTimerBlock: 0x608, Century: 0x32, IAPCBootArch: 3, Flags: 1<<10 | 1<<8 | 1<<4},
			false, // RESET_REG_SUP set, but no RESET_REG
		},
		{
			"RESET_REG but no RESET_VALUE", 128, 3,
			&FADT{Revision: 3, Length: 128, FirmwareCtrl: 0x7FE1000, DSDT: 0x7FE2000, SCIInterrupt: 9, SMICommand: 0xB2,
				ACPIEnable: 0xF1, ACPIDisable: 0xF0, PM1aEventBlock: 0x600, PM1aControlBlock: 0x604, PM1ControlLength: 2,
				PMTimerBlock: 0x608, Century: 0x32, IAPCBootArch: 3, Flags: 1<<10 | 1<<8 | 1<<4,
				ResetReg: GAS{SpaceID: 1, BitWidth: 8, AccessSize: 1, Address: 0xCF9}},
			false,
		},
		{
			"X_DSDT cut in half", 144, 3,
			&FADT{Revision: 3, Length: 144, FirmwareCtrl: 0x7FE1000, DSDT: 0x7FE2000, SCIInterrupt: 9, SMICommand: 0xB2,
				ACPIEnable: 0xF1, ACPIDisable: 0xF0, PM1aEventBlock: 0x600, PM1aControlBlock: 0x604, PM1ControlLength: 2,
				PMTimerBlock: 0x608, Century: 0x32, IAPCBootArch: 3, Flags: 1<<10 | 1<<8 | 1<<4,
				ResetReg: GAS{SpaceID: 1, BitWidth: 8, AccessSize: 1, Address: 0xCF9}, ResetValue: 0x0F, MinorVersion: 5},
			true,
		},
		{
			"only FIRMWARE_CTRL and DSDT", 44, 1,
			&FADT{Revision: 1, Length: 44, FirmwareCtrl: 0x7FE1000, DSDT: 0x7FE2000},
			false,
		},
		{
			"DSDT cut", 42, 1,
			&FADT{Revision: 1, Length: 42, FirmwareCtrl: 0x7FE1000},
			false,
		},
		{
			"header only", 36, 1,
			&FADT{Revision: 1, Length: 36},
			false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := append([]byte(nil), full...)
			b[8] = tt.rev
			seal(b[:tt.n]) // Length and checksum of the short table; the rest stays behind it
			got, err := ParseFADT(b)
			if err != nil {
				t.Fatalf("ParseFADT() error %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseFADT() = %+v, want %+v", got, tt.want)
			}
			if r := got.ResetSupported(); r != tt.resetSup {
				t.Errorf("ParseFADT().ResetSupported() = %v, want %v", r, tt.resetSup)
			}
		})
	}
}

func TestParseFADTBad(t *testing.T) {
	b := fullFADT(0, 0)
	binary.LittleEndian.PutUint32(b[4:], 35)
	if f, err := ParseFADT(b); err == nil {
		t.Errorf("ParseFADT(Length 35) = %+v, nil, want an error", f)
	}
	if f, err := ParseFADT(stdMADT); err == nil {
		t.Errorf("ParseFADT(a MADT) = %+v, nil, want an error", f)
	}
}

func TestFADTFlags(t *testing.T) {
	tests := []struct {
		arch                        uint16
		flags                       uint32
		legacy, i8042, novga, nomsi bool
		reduced                     bool
	}{
		{0, 0, false, false, false, false, false},
		{1 << 0, 0, true, false, false, false, false},
		{1 << 1, 0, false, true, false, false, false},
		{1 << 2, 0, false, false, true, false, false},
		{1 << 3, 0, false, false, false, true, false},
		{0xFFF0, 1 << 20, false, false, false, false, true},
	}
	for _, tt := range tests {
		f := &FADT{IAPCBootArch: tt.arch, Flags: tt.flags}
		got := [5]bool{f.LegacyDevices(), f.Has8042(), f.VGANotPresent(), f.MSINotSupported(), f.HardwareReduced()}
		want := [5]bool{tt.legacy, tt.i8042, tt.novga, tt.nomsi, tt.reduced}
		if got != want {
			t.Errorf("FADT{IAPCBootArch: %#x, Flags: %#x}: LegacyDevices, Has8042, VGANotPresent, MSINotSupported, HardwareReduced = %v, want %v",
				tt.arch, tt.flags, got, want)
		}
	}
}

func TestPM1aControl(t *testing.T) {
	x := GAS{SpaceID: SpaceSystemMemory, BitWidth: 16, AccessSize: AccessWord, Address: 0xFED80000}
	tests := []struct {
		f    FADT
		want GAS
	}{
		{FADT{}, GAS{}},
		{FADT{PM1aControlBlock: 0x604, PM1ControlLength: 2}, GAS{SpaceID: SpaceSystemIO, BitWidth: 16, Address: 0x604}},
		{FADT{PM1aControlBlock: 0x604, PM1ControlLength: 2, XPM1aControlBlock: x}, x},
	}
	for _, tt := range tests {
		if got := tt.f.PM1aControl(); got != tt.want {
			t.Errorf("%+v.PM1aControl() = %+v, want %+v", tt.f, got, tt.want)
		}
	}
}
