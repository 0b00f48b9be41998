package acpi

import (
	"errors"
	"fmt"
)

// Multiple APIC Description Table layout (§5.2.12).
const (
	madtLocalAPICAddr = 36 // Local Interrupt Controller Address, 4 bytes
	madtFlags         = 40 // Flags, 4 bytes
	madtEntries       = 44 // Interrupt Controller Structure[n]

	// MADTPCATCompat is the PCAT_COMPAT flag (§5.2.12, Multiple APIC
	// Flags): the system also has dual 8259 PICs, which must be masked
	// before the APICs are used.
	MADTPCATCompat = 1 << 0
)

// Interrupt controller structure types and their minimum lengths (§5.2.12).
const (
	typeLocalAPIC         = 0  // §5.2.12.2
	typeIOAPIC            = 1  // §5.2.12.3
	typeOverride          = 2  // §5.2.12.5
	typeNMISource         = 3  // §5.2.12.6
	typeLocalAPICNMI      = 4  // §5.2.12.7
	typeLocalAPICOverride = 5  // §5.2.12.8
	typeX2APIC            = 9  // §5.2.12.12
	typeX2APICNMI         = 10 // §5.2.12.13

	lenLocalAPIC         = 8
	lenIOAPIC            = 12
	lenOverride          = 10
	lenNMISource         = 8
	lenLocalAPICNMI      = 6
	lenLocalAPICOverride = 12
	lenX2APIC            = 16
	lenX2APICNMI         = 12
)

// Local APIC flags (§5.2.12.2; the x2APIC structure's are the same).
const (
	lapicEnabled       = 1 << 0
	lapicOnlineCapable = 1 << 1
)

// AllProcessors is the ACPI Processor UID of a Local APIC NMI structure
// that applies to every processor (0xFF, §5.2.12.7; 0xFFFFFFFF in the
// x2APIC form, §5.2.12.13, which ParseMADT also reports as this value).
const AllProcessors = 0xFFFFFFFF

// MADT is the Multiple APIC Description Table.
type MADT struct {
	// LocalAPICAddress is the physical address of every processor's local
	// APIC: the table's 32-bit field, or the 64-bit address of a Local
	// APIC Address Override structure when there is one (§5.2.12.8).
	LocalAPICAddress uint64
	Flags            uint32 // MADTPCATCompat

	CPUs       []LocalAPIC // types 0 and 9, in table order
	IOAPICs    []IOAPIC
	Overrides  []InterruptOverride
	NMISources []NMISource
	LocalNMIs  []LocalNMI
}

// PCATCompat reports whether the system also has dual 8259 PICs.
func (m *MADT) PCATCompat() bool { return m.Flags&MADTPCATCompat != 0 }

// LocalAPIC is a processor: a Processor Local APIC structure (§5.2.12.2)
// or a Processor Local x2APIC structure (§5.2.12.12).
type LocalAPIC struct {
	ProcessorUID uint32
	APICID       uint32
	// Enabled: the processor is ready for use. When clear and
	// OnlineCapable is set, it can be enabled at run time; when both are
	// clear it must not be used.
	Enabled, OnlineCapable bool
	X2APIC                 bool // from a type-9 structure
}

// IOAPIC is an I/O APIC structure (§5.2.12.3).
type IOAPIC struct {
	ID      uint8
	Address uint32 // physical address of its registers
	GSIBase uint32 // the first global system interrupt it handles
}

// InterruptOverride is an Interrupt Source Override structure
// (§5.2.12.5): ISA interrupt Source is global system interrupt GSI,
// with the polarity and trigger mode Flags gives.
type InterruptOverride struct {
	Bus    uint8 // 0: ISA, the only bus defined
	Source uint8 // the bus-relative interrupt (ISA IRQ)
	GSI    uint32
	Flags  uint16 // MPS INTI flags
}

// NMISource is a Non-Maskable Interrupt Source structure (§5.2.12.6): a
// global system interrupt that must be set up as an NMI.
type NMISource struct {
	Flags uint16 // MPS INTI flags
	GSI   uint32
}

// LocalNMI is a Local APIC NMI (§5.2.12.7) or Local x2APIC NMI
// (§5.2.12.13) structure: the LINT pin NMI is wired to.
type LocalNMI struct {
	ProcessorUID uint32 // AllProcessors for every processor
	Flags        uint16 // MPS INTI flags
	LINT         uint8  // 0 or 1
}

// MPS INTI flags (§5.2.12.5): polarity in bits 0-1, trigger mode in bits 2-3.
const (
	intiPolarityMask = 0x3
	intiTriggerShift = 2
	intiTriggerMask  = 0x3
)

// Polarity is the polarity field of MPS INTI flags.
type Polarity uint8

const (
	PolarityConforms   Polarity = 0 // as the bus specifies (ISA: active high)
	PolarityActiveHigh Polarity = 1
	PolarityReserved   Polarity = 2
	PolarityActiveLow  Polarity = 3
)

// Trigger is the trigger-mode field of MPS INTI flags.
type Trigger uint8

const (
	TriggerConforms Trigger = 0 // as the bus specifies (ISA: edge)
	TriggerEdge     Trigger = 1
	TriggerReserved Trigger = 2
	TriggerLevel    Trigger = 3
)

// INTIPolarity and INTITrigger decode MPS INTI flags.
func INTIPolarity(flags uint16) Polarity { return Polarity(flags & intiPolarityMask) }

// INTITrigger returns the trigger-mode field of MPS INTI flags.
func INTITrigger(flags uint16) Trigger {
	return Trigger(flags >> intiTriggerShift & intiTriggerMask)
}

// Polarity returns the override's polarity field.
func (o InterruptOverride) Polarity() Polarity { return INTIPolarity(o.Flags) }

// Trigger returns the override's trigger-mode field.
func (o InterruptOverride) Trigger() Trigger { return INTITrigger(o.Flags) }

// ActiveLow reports whether the line is active low; "conforms to the
// bus" means active high on ISA. The reserved value counts as high.
func (o InterruptOverride) ActiveLow() bool { return o.Polarity() == PolarityActiveLow }

// LevelTriggered reports whether the line is level-triggered;
// "conforms to the bus" means edge on ISA. The reserved value counts as edge.
func (o InterruptOverride) LevelTriggered() bool { return o.Trigger() == TriggerLevel }

// ISAIRQ returns the global system interrupt ISA IRQ irq arrives on and
// how it is signalled: as an override says, else identity-mapped, active
// high and edge-triggered (§5.2.12.5). m may be nil (no MADT).
func (m *MADT) ISAIRQ(irq uint8) (gsi uint32, activeLow, level bool) {
	if m != nil {
		for _, o := range m.Overrides {
			if o.Bus == 0 && o.Source == irq {
				return o.GSI, o.ActiveLow(), o.LevelTriggered()
			}
		}
	}
	return uint32(irq), false, false
}

// ParseMADT decodes a MADT: table holds the whole table, header included,
// and its checksum is not checked (Parse has done that). It returns nil
// when the table is unusable; otherwise the entries it could decode and
// an error for each one it could not. The walk over the entries stops at
// one whose length is below 2 or runs past the table's end.
func ParseMADT(table []byte) (*MADT, []error) {
	b, err := tableBody(table, sigMADT)
	if err != nil {
		return nil, []error{err}
	}
	if len(b) < madtEntries {
		return nil, []error{fmt.Errorf("%w: MADT Length %d, want at least %d", ErrLength, len(b), madtEntries)}
	}
	m := &MADT{
		LocalAPICAddress: uint64(le32(b[madtLocalAPICAddr:])),
		Flags:            le32(b[madtFlags:]),
	}
	var errs []error
	overridden := false
	for off := madtEntries; off < len(b); {
		if len(b)-off < 2 {
			errs = append(errs, fmt.Errorf("%w: MADT: %d stray byte at offset %d", ErrLength, len(b)-off, off))
			break
		}
		typ, n := b[off], int(b[off+1])
		if n < 2 {
			errs = append(errs, fmt.Errorf("%w: MADT entry at offset %d (type %d): length %d", ErrLength, off, typ, n))
			break
		}
		if n > len(b)-off {
			errs = append(errs, fmt.Errorf("%w: MADT entry at offset %d (type %d): length %d runs past the table's end at %d", ErrLength, off, typ, n, len(b)))
			break
		}
		e := b[off : off+n]
		short := func(want int) bool {
			if n < want {
				errs = append(errs, fmt.Errorf("%w: MADT entry at offset %d (type %d): length %d, want at least %d; skipped", ErrLength, off, typ, n, want))
				return true
			}
			return false
		}
		// Longer entries than these are accepted: later revisions may
		// append fields, and the length says where the next one starts.
		switch typ {
		case typeLocalAPIC:
			if short(lenLocalAPIC) {
				break
			}
			f := le32(e[4:])
			m.CPUs = append(m.CPUs, LocalAPIC{
				ProcessorUID: uint32(e[2]), APICID: uint32(e[3]),
				Enabled: f&lapicEnabled != 0, OnlineCapable: f&lapicOnlineCapable != 0,
			})
		case typeX2APIC:
			if short(lenX2APIC) {
				break
			}
			f := le32(e[8:])
			m.CPUs = append(m.CPUs, LocalAPIC{
				ProcessorUID: le32(e[12:]), APICID: le32(e[4:]),
				Enabled: f&lapicEnabled != 0, OnlineCapable: f&lapicOnlineCapable != 0,
				X2APIC: true,
			})
		case typeIOAPIC:
			if short(lenIOAPIC) {
				break
			}
			m.IOAPICs = append(m.IOAPICs, IOAPIC{ID: e[2], Address: le32(e[4:]), GSIBase: le32(e[8:])})
		case typeOverride:
			if short(lenOverride) {
				break
			}
			m.Overrides = append(m.Overrides, InterruptOverride{Bus: e[2], Source: e[3], GSI: le32(e[4:]), Flags: le16(e[8:])})
		case typeNMISource:
			if short(lenNMISource) {
				break
			}
			m.NMISources = append(m.NMISources, NMISource{Flags: le16(e[2:]), GSI: le32(e[4:])})
		case typeLocalAPICNMI:
			if short(lenLocalAPICNMI) {
				break
			}
			uid := uint32(e[2])
			if uid == 0xFF {
				uid = AllProcessors
			}
			m.LocalNMIs = append(m.LocalNMIs, LocalNMI{ProcessorUID: uid, Flags: le16(e[3:]), LINT: e[5]})
		case typeX2APICNMI:
			if short(lenX2APICNMI) {
				break
			}
			m.LocalNMIs = append(m.LocalNMIs, LocalNMI{ProcessorUID: le32(e[4:]), Flags: le16(e[2:]), LINT: e[8]})
		case typeLocalAPICOverride:
			if short(lenLocalAPICOverride) {
				break
			}
			// §5.2.12.8: at most one may be defined.
			if overridden {
				errs = append(errs, errors.New("MADT: second Local APIC Address Override ignored"))
				break
			}
			overridden = true
			m.LocalAPICAddress = le64(e[4:])
		}
		off += n
	}
	return m, errs
}
