package acpi

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseMADT(t *testing.T) {
	tests := []struct {
		name    string
		table   []byte
		want    *MADT
		wantErr int // number of errors
	}{
		{
			"empty",
			madt(0xFEE00000, 0),
			&MADT{LocalAPICAddress: 0xFEE00000},
			0,
		},
		{
			"standard",
			stdMADT,
			stdWantMADT,
			0,
		},
		{
			"address override",
			madt(0xFEE00000, 1, eLocalAPIC(0, 0, 1), eAddrOverride(0x1_0000_0000_F000)),
			&MADT{LocalAPICAddress: 0x1_0000_0000_F000, Flags: 1, CPUs: []LocalAPIC{{Enabled: true}}},
			0,
		},
		{
			"second address override ignored",
			madt(0xFEE00000, 0, eAddrOverride(0xA000), eAddrOverride(0xB000)),
			&MADT{LocalAPICAddress: 0xA000},
			1,
		},
		{
			"x2APIC processors after local APIC ones",
			madt(0xFEE00000, 0,
				eLocalAPIC(0, 0, 1),
				eX2APIC(0x100, 1, 0x1000),
				eX2APIC(0xFFFFFFFE, 2, 0xFFFFFFFE),
				eX2APIC(7, 0, 7),
				eX2APICNMI(0xF, 0xFFFFFFFF, 1),
			),
			&MADT{LocalAPICAddress: 0xFEE00000,
				CPUs: []LocalAPIC{
					{Enabled: true},
					{ProcessorUID: 0x1000, APICID: 0x100, Enabled: true, X2APIC: true},
					{ProcessorUID: 0xFFFFFFFE, APICID: 0xFFFFFFFE, OnlineCapable: true, X2APIC: true},
					{ProcessorUID: 7, APICID: 7, X2APIC: true},
				},
				LocalNMIs: []LocalNMI{{ProcessorUID: AllProcessors, Flags: 0xF, LINT: 1}},
			},
			0,
		},
		{
			"two I/O APICs, NMI source, overrides",
			madt(0xFEE00000, 0,
				eIOAPIC(0, 0xFEC00000, 0),
				eIOAPIC(1, 0xFEC01000, 24),
				eNMISource(0xD, 23),
				eOverride(0, 0, 2, 0x5),
				eLocalNMI(3, 0, 0),
			),
			&MADT{LocalAPICAddress: 0xFEE00000,
				IOAPICs:    []IOAPIC{{0, 0xFEC00000, 0}, {1, 0xFEC01000, 24}},
				NMISources: []NMISource{{Flags: 0xD, GSI: 23}},
				Overrides:  []InterruptOverride{{Bus: 0, Source: 0, GSI: 2, Flags: 0x5}},
				LocalNMIs:  []LocalNMI{{ProcessorUID: 3}},
			},
			0,
		},
		{
			"unknown types and longer entries skipped by their length",
			madt(0xFEE00000, 0,
				[]byte{0x7F, 4, 0xAA, 0xBB},
				[]byte{0, 10, 5, 6, 1, 0, 0, 0, 0xEE, 0xEE}, // local APIC, 2 bytes longer
				[]byte{0x0B, 2},
				eIOAPIC(2, 0xFEC00000, 0),
			),
			&MADT{LocalAPICAddress: 0xFEE00000,
				CPUs:    []LocalAPIC{{ProcessorUID: 5, APICID: 6, Enabled: true}},
				IOAPICs: []IOAPIC{{2, 0xFEC00000, 0}},
			},
			0,
		},
		{
			"entry length 0 ends the walk",
			madt(0xFEE00000, 0, eLocalAPIC(0, 0, 1), []byte{0, 0, 0, 0, 0, 0, 0, 0}, eLocalAPIC(1, 1, 1)),
			&MADT{LocalAPICAddress: 0xFEE00000, CPUs: []LocalAPIC{{Enabled: true}}},
			1,
		},
		{
			"entry length 1 ends the walk",
			madt(0xFEE00000, 0, eLocalAPIC(0, 0, 1), []byte{1, 1}, eIOAPIC(1, 1, 1)),
			&MADT{LocalAPICAddress: 0xFEE00000, CPUs: []LocalAPIC{{Enabled: true}}},
			1,
		},
		{
			"entry running past the table",
			madt(0xFEE00000, 0, eLocalAPIC(0, 0, 1), eIOAPIC(1, 1, 1)[:11]),
			&MADT{LocalAPICAddress: 0xFEE00000, CPUs: []LocalAPIC{{Enabled: true}}},
			1,
		},
		{
			"stray byte",
			madt(0xFEE00000, 0, eLocalAPIC(0, 0, 1), []byte{0}),
			&MADT{LocalAPICAddress: 0xFEE00000, CPUs: []LocalAPIC{{Enabled: true}}},
			1,
		},
		{
			"short entries skipped, walk goes on",
			madt(0xFEE00000, 0,
				[]byte{0, 6, 1, 1, 1, 0}, // local APIC, 2 bytes short
				[]byte{1, 8, 1, 0, 0, 0, 0xC0, 0xFE},
				[]byte{2, 9, 0, 0, 2, 0, 0, 0, 0},
				[]byte{3, 7, 0, 0, 0, 0, 0},
				[]byte{4, 5, 0, 0, 0},
				[]byte{5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0},
				[]byte{9, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
				[]byte{10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0},
				eLocalAPIC(3, 3, 1),
			),
			&MADT{LocalAPICAddress: 0xFEE00000, CPUs: []LocalAPIC{{ProcessorUID: 3, APICID: 3, Enabled: true}}},
			8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseMADT(tt.table)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMADT() = %+v, want %+v", got, tt.want)
			}
			if len(errs) != tt.wantErr {
				t.Errorf("ParseMADT() errors = %v, want %d", errs, tt.wantErr)
			}
		})
	}
}

func TestParseMADTBadTable(t *testing.T) {
	cut := madt(0xFEE00000, 0)[:43]
	tests := []struct {
		name  string
		table []byte
	}{
		{"nil", nil},
		{"header only", seal(madt(0, 0)[:36])},
		{"fixed fields cut", seal(cut)},
		{"wrong signature", sdt("APIX", 1, make([]byte, 8))},
		{"Length beyond the bytes", madt(0, 0, eLocalAPIC(0, 0, 1))[:50]},
	}
	for _, tt := range tests {
		got, errs := ParseMADT(tt.table)
		if got != nil || len(errs) != 1 {
			t.Errorf("ParseMADT(%s) = %+v, %v, want nil and one error", tt.name, got, errs)
		}
	}
}

func TestMADTPCATCompat(t *testing.T) {
	for _, tt := range []struct {
		flags uint32
		want  bool
	}{{0, false}, {1, true}, {0xFFFFFFFE, false}, {3, true}} {
		m := &MADT{Flags: tt.flags}
		if got := m.PCATCompat(); got != tt.want {
			t.Errorf("MADT{Flags: %#x}.PCATCompat() = %v, want %v", tt.flags, got, tt.want)
		}
	}
}

func TestINTIFlags(t *testing.T) {
	tests := []struct {
		flags      uint16
		pol        Polarity
		trig       Trigger
		low, level bool
	}{
		{0x0, PolarityConforms, TriggerConforms, false, false},
		{0x1, PolarityActiveHigh, TriggerConforms, false, false},
		{0x2, PolarityReserved, TriggerConforms, false, false},
		{0x3, PolarityActiveLow, TriggerConforms, true, false},
		{0x4, PolarityConforms, TriggerEdge, false, false},
		{0x8, PolarityConforms, TriggerReserved, false, false},
		{0xC, PolarityConforms, TriggerLevel, false, true},
		{0xD, PolarityActiveHigh, TriggerLevel, false, true},
		{0xF, PolarityActiveLow, TriggerLevel, true, true},
		{0xFFFC, PolarityConforms, TriggerLevel, false, true}, // reserved bits ignored
	}
	for _, tt := range tests {
		o := InterruptOverride{Flags: tt.flags}
		if got := o.Polarity(); got != tt.pol {
			t.Errorf("InterruptOverride{Flags: %#x}.Polarity() = %d, want %d", tt.flags, got, tt.pol)
		}
		if got := o.Trigger(); got != tt.trig {
			t.Errorf("InterruptOverride{Flags: %#x}.Trigger() = %d, want %d", tt.flags, got, tt.trig)
		}
		if got := o.ActiveLow(); got != tt.low {
			t.Errorf("InterruptOverride{Flags: %#x}.ActiveLow() = %v, want %v", tt.flags, got, tt.low)
		}
		if got := o.LevelTriggered(); got != tt.level {
			t.Errorf("InterruptOverride{Flags: %#x}.LevelTriggered() = %v, want %v", tt.flags, got, tt.level)
		}
	}
}

func TestISAIRQ(t *testing.T) {
	m, errs := ParseMADT(madt(0xFEE00000, 1,
		eOverride(0, 0, 2, 0),
		eOverride(0, 9, 20, 0xF),
		eOverride(1, 4, 30, 0xF), // not ISA: ignored
	))
	if len(errs) != 0 {
		t.Fatalf("ParseMADT() errors %v", errs)
	}
	tests := []struct {
		irq        uint8
		gsi        uint32
		low, level bool
	}{
		{0, 2, false, false},
		{1, 1, false, false},
		{4, 4, false, false},
		{9, 20, true, true},
		{15, 15, false, false},
	}
	for _, tt := range tests {
		gsi, low, level := m.ISAIRQ(tt.irq)
		if gsi != tt.gsi || low != tt.low || level != tt.level {
			t.Errorf("ISAIRQ(%d) = %d, %v, %v, want %d, %v, %v", tt.irq, gsi, low, level, tt.gsi, tt.low, tt.level)
		}
	}
	var none *MADT
	if gsi, low, level := none.ISAIRQ(4); gsi != 4 || low || level {
		t.Errorf("(*MADT)(nil).ISAIRQ(4) = %d, %v, %v, want 4, false, false", gsi, low, level)
	}
}

func TestParseMADTErrorsAreLength(t *testing.T) {
	_, errs := ParseMADT(madt(0xFEE00000, 0, []byte{0, 0}))
	if len(errs) != 1 || !errors.Is(errs[0], ErrLength) {
		t.Errorf("ParseMADT(entry length 0) errors = %v, want one ErrLength", errs)
	}
}
