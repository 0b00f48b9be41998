package acpi

// Fixed ACPI Description Table field offsets (§5.2.9). The table grew
// with each revision: ACPI 1.0's is 116 bytes (up to Flags), 2.0 added
// RESET_REG and the X_ fields; a field is read only when it lies within
// the table's Length.
const (
	fadtFirmwareCtrl  = 36  // FIRMWARE_CTRL, 4 bytes: FACS address
	fadtDSDT          = 40  // DSDT, 4 bytes
	fadtSCIInt        = 46  // SCI_INT, 2 bytes
	fadtSMICmd        = 48  // SMI_CMD, 4 bytes
	fadtACPIEnable    = 52  // ACPI_ENABLE
	fadtACPIDisable   = 53  // ACPI_DISABLE
	fadtPM1aEvtBlk    = 56  // PM1a_EVT_BLK, 4 bytes
	fadtPM1aCntBlk    = 64  // PM1a_CNT_BLK, 4 bytes
	fadtPM1bCntBlk    = 68  // PM1b_CNT_BLK, 4 bytes
	fadtPMTmrBlk      = 76  // PM_TMR_BLK, 4 bytes
	fadtPM1CntLen     = 89  // PM1_CNT_LEN
	fadtCentury       = 108 // CENTURY: RTC CMOS index of the century
	fadtIAPCBootArch  = 109 // IAPC_BOOT_ARCH, 2 bytes (ACPI 2.0; reserved before)
	fadtFlags         = 112 // Flags, 4 bytes
	fadtResetReg      = 116 // RESET_REG, a GAS
	fadtResetValue    = 128 // RESET_VALUE
	fadtMinorVersion  = 131 // FADT Minor Version (ACPI 5.1)
	fadtXFirmwareCtrl = 132 // X_FIRMWARE_CTRL, 8 bytes
	fadtXDSDT         = 140 // X_DSDT, 8 bytes
	fadtXPM1aCntBlk   = 172 // X_PM1a_CNT_BLK, a GAS
	fadtXPM1bCntBlk   = 184 // X_PM1b_CNT_BLK, a GAS
	fadtXPMTmrBlk     = 208 // X_PM_TMR_BLK, a GAS
	fadtHypervisor    = 268 // Hypervisor Vendor Identity, 8 bytes (ACPI 6.0)
)

// FADT fixed feature flags (§5.2.9, Flags field).
const (
	FADTWBINVD        = 1 << 0
	FADTPowerButton   = 1 << 4 // PWR_BUTTON: set when the power button is a control method device (or absent)
	FADTSleepButton   = 1 << 5 // SLP_BUTTON: likewise for the sleep button
	FADTTimerValExt   = 1 << 8 // TMR_VAL_EXT: the PM timer is 32 bits wide, not 24
	FADTResetRegSup   = 1 << 10
	FADTHeadless      = 1 << 12
	FADTHWReducedACPI = 1 << 20 // HW_REDUCED_ACPI: no fixed hardware (PM1, SCI, PM timer...)
	FADTLowPowerS0    = 1 << 21 // LOW_POWER_S0_IDLE_CAPABLE
)

// IA-PC boot architecture flags (§5.2.9.3, IAPC_BOOT_ARCH field).
const (
	BootArchLegacyDevices   = 1 << 0 // LEGACY_DEVICES: ISA devices not enumerated in ACPI (e.g. COM ports)
	BootArch8042            = 1 << 1 // 8042: a PS/2 keyboard controller
	BootArchVGANotPresent   = 1 << 2 // VGA Not Present: do not probe VGA memory and ports
	BootArchMSINotSupported = 1 << 3 // MSI Not Supported: do not enable MSI or MSI-X
	BootArchPCIeASPM        = 1 << 4 // PCIe ASPM Controls: the OS must not change ASPM
	BootArchCMOSRTCAbsent   = 1 << 5 // CMOS RTC Not Present
)

// Generic Address Structure address space IDs (§5.2.3.2).
const (
	SpaceSystemMemory = 0x00
	SpaceSystemIO     = 0x01
	SpacePCIConfig    = 0x02
	SpaceEmbedded     = 0x03
	SpaceSMBus        = 0x04
	SpaceCMOS         = 0x05
	SpacePCIBARTarget = 0x06
	SpaceIPMI         = 0x07
	SpaceGPIO         = 0x08
	SpaceSerialBus    = 0x09
	SpacePCC          = 0x0A
	SpacePRM          = 0x0B
	SpaceFFixedHW     = 0x7F
)

// Generic Address Structure access sizes (§5.2.3.2).
const (
	AccessUndefined = 0 // legacy: use the bit width
	AccessByte      = 1
	AccessWord      = 2
	AccessDword     = 3
	AccessQword     = 4
)

// gasLen is the size of a Generic Address Structure.
const gasLen = 12

// GAS is a Generic Address Structure (§5.2.3.2): a register in some
// address space.
type GAS struct {
	SpaceID    uint8 // SpaceSystemMemory, SpaceSystemIO, SpacePCIConfig...
	BitWidth   uint8
	BitOffset  uint8
	AccessSize uint8 // AccessByte...; AccessUndefined in older tables
	Address    uint64
}

func parseGAS(b []byte) GAS {
	return GAS{SpaceID: b[0], BitWidth: b[1], BitOffset: b[2], AccessSize: b[3], Address: le64(b[4:])}
}

// FADT is the Fixed ACPI Description Table. Fields beyond the table's
// Length are zero.
type FADT struct {
	Revision     uint8 // header revision: 1 for ACPI 1.0, 3 for 2.0, 6 for 6.x
	MinorVersion uint8 // FADT Minor Version (0 before ACPI 5.1)
	Length       uint32

	// FirmwareCtrl is the FACS address: X_FIRMWARE_CTRL when present and
	// non-zero, else FIRMWARE_CTRL.
	FirmwareCtrl uint64
	// DSDT is the DSDT address: X_DSDT when present and non-zero (the
	// 32-bit field must then be ignored, §5.2.9), else DSDT.
	DSDT uint64

	SCIInterrupt            uint16 // SCI_INT: ISA IRQ (8259 mode) or GSI of the SCI
	SMICommand              uint32 // SMI_CMD port; 0 when ACPI mode is always on
	ACPIEnable, ACPIDisable uint8  // values to write to SMICommand
	PM1aEventBlock          uint32 // PM1a_EVT_BLK port
	PM1aControlBlock        uint32 // PM1a_CNT_BLK port
	PM1bControlBlock        uint32 // PM1b_CNT_BLK port (0: none)
	PM1ControlLength        uint8  // PM1_CNT_LEN in bytes
	PMTimerBlock            uint32 // PM_TMR_BLK port (0: none)
	Century                 uint8  // RTC CMOS index of the century (0: none)

	IAPCBootArch uint16 // BootArch... flags; reserved (0) before revision 3
	Flags        uint32 // FADT... flags

	ResetReg   GAS // RESET_REG, valid when Flags has FADTResetRegSup
	ResetValue uint8

	// XPM1aControlBlock, XPM1bControlBlock and XPMTimerBlock are the
	// 64-bit forms of the blocks above; they win when their Address is
	// not zero (see PM1aControl).
	XPM1aControlBlock GAS
	XPM1bControlBlock GAS
	XPMTimerBlock     GAS

	HypervisorVendor string // Hypervisor Vendor Identity (ACPI 6.0), trailing NULs cut
}

// HardwareReduced reports HW_REDUCED_ACPI: no PM1 blocks, SCI or PM
// timer (microvm, Firecracker, many ARM systems).
func (f *FADT) HardwareReduced() bool { return f.Flags&FADTHWReducedACPI != 0 }

// ResetSupported reports whether ResetReg can reset the machine: the
// RESET_REG_SUP flag is set and the FADT is long enough to hold RESET_REG
// and RESET_VALUE.
func (f *FADT) ResetSupported() bool {
	return f.Flags&FADTResetRegSup != 0 && f.Length > fadtResetValue
}

// LegacyDevices reports the LEGACY_DEVICES boot architecture flag.
func (f *FADT) LegacyDevices() bool { return f.IAPCBootArch&BootArchLegacyDevices != 0 }

// Has8042 reports the 8042 boot architecture flag (a PS/2 controller).
func (f *FADT) Has8042() bool { return f.IAPCBootArch&BootArch8042 != 0 }

// VGANotPresent reports the VGA Not Present boot architecture flag.
func (f *FADT) VGANotPresent() bool { return f.IAPCBootArch&BootArchVGANotPresent != 0 }

// MSINotSupported reports the MSI Not Supported boot architecture flag.
func (f *FADT) MSINotSupported() bool { return f.IAPCBootArch&BootArchMSINotSupported != 0 }

// PM1aControl returns the PM1a control register: X_PM1a_CNT_BLK when its
// address is not zero, else the PM1a_CNT_BLK port (as an I/O GAS of
// PM1_CNT_LEN bytes); a zero Address means none.
func (f *FADT) PM1aControl() GAS {
	if f.XPM1aControlBlock.Address != 0 {
		return f.XPM1aControlBlock
	}
	if f.PM1aControlBlock == 0 {
		return GAS{}
	}
	return GAS{SpaceID: SpaceSystemIO, BitWidth: 8 * f.PM1ControlLength, Address: uint64(f.PM1aControlBlock)}
}

// ParseFADT decodes a FADT: table holds the whole table, header included;
// its checksum is not checked. Only the fields within the table's Length
// are read, so old short tables (ACPI 1.0's is 116 bytes) work.
func ParseFADT(table []byte) (*FADT, error) {
	b, err := tableBody(table, sigFADT)
	if err != nil {
		return nil, err
	}
	f := &FADT{Revision: b[hdrRevision], Length: uint32(len(b))}
	has := func(off, n int) bool { return off+n <= len(b) }
	u8 := func(off int) uint8 {
		if has(off, 1) {
			return b[off]
		}
		return 0
	}
	u16 := func(off int) uint16 {
		if has(off, 2) {
			return le16(b[off:])
		}
		return 0
	}
	u32 := func(off int) uint32 {
		if has(off, 4) {
			return le32(b[off:])
		}
		return 0
	}
	u64 := func(off int) uint64 {
		if has(off, 8) {
			return le64(b[off:])
		}
		return 0
	}
	gas := func(off int) GAS {
		if has(off, gasLen) {
			return parseGAS(b[off:])
		}
		return GAS{}
	}

	f.FirmwareCtrl = uint64(u32(fadtFirmwareCtrl))
	if x := u64(fadtXFirmwareCtrl); x != 0 {
		f.FirmwareCtrl = x
	}
	f.DSDT = uint64(u32(fadtDSDT))
	if x := u64(fadtXDSDT); x != 0 {
		f.DSDT = x
	}
	f.SCIInterrupt = u16(fadtSCIInt)
	f.SMICommand = u32(fadtSMICmd)
	f.ACPIEnable = u8(fadtACPIEnable)
	f.ACPIDisable = u8(fadtACPIDisable)
	f.PM1aEventBlock = u32(fadtPM1aEvtBlk)
	f.PM1aControlBlock = u32(fadtPM1aCntBlk)
	f.PM1bControlBlock = u32(fadtPM1bCntBlk)
	f.PM1ControlLength = u8(fadtPM1CntLen)
	f.PMTimerBlock = u32(fadtPMTmrBlk)
	f.Century = u8(fadtCentury)
	f.IAPCBootArch = u16(fadtIAPCBootArch)
	f.Flags = u32(fadtFlags)
	f.ResetReg = gas(fadtResetReg)
	f.ResetValue = u8(fadtResetValue)
	f.MinorVersion = u8(fadtMinorVersion)
	f.XPM1aControlBlock = gas(fadtXPM1aCntBlk)
	f.XPM1bControlBlock = gas(fadtXPM1bCntBlk)
	f.XPMTimerBlock = gas(fadtXPMTmrBlk)
	if has(fadtHypervisor, 8) {
		v := b[fadtHypervisor : fadtHypervisor+8]
		for len(v) > 0 && v[len(v)-1] == 0 {
			v = v[:len(v)-1]
		}
		f.HypervisorVendor = string(v)
	}
	return f, nil
}
