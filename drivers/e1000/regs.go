package e1000

// Registers and descriptor fields the driver uses, by their datasheet
// names. Sections are those of the "PCI/PCI-X Family of Gigabit Ethernet
// Controllers Software Developer's Manual" (8254x, rev. 4.0: chapter 13
// registers, chapter 3 descriptors); the 82574L's are at the same offsets
// ("82574 GbE Controller Datasheet", chapter 10) unless said otherwise.

// Register offsets in BAR 0 (8254x SDM table 13-2).
const (
	regCTRL   = 0x0000 // Device Control
	regSTATUS = 0x0008 // Device Status
	regEERD   = 0x0014 // EEPROM Read
	regICR    = 0x00C0 // Interrupt Cause Read, cleared by the read
	regITR    = 0x00C4 // Interrupt Throttling
	regIMS    = 0x00D0 // Interrupt Mask Set/Read
	regIMC    = 0x00D8 // Interrupt Mask Clear
	regRCTL   = 0x0100 // Receive Control
	regTCTL   = 0x0400 // Transmit Control
	regTIPG   = 0x0410 // Transmit Inter Packet Gap
	regRDBAL  = 0x2800 // Receive Descriptor Base Low
	regRDBAH  = 0x2804
	regRDLEN  = 0x2808 // Receive Descriptor Length, a multiple of 128 bytes
	regRDH    = 0x2810 // Receive Descriptor Head
	regRDT    = 0x2818 // Receive Descriptor Tail
	regRDTR   = 0x2820 // Receive Delay Timer
	regTDBAL  = 0x3800 // Transmit Descriptor Base Low
	regTDBAH  = 0x3804
	regTDLEN  = 0x3808
	regTDH    = 0x3810
	regTDT    = 0x3818
	regMTA    = 0x5200 // Multicast Table Array, 128 words
	regRAL0   = 0x5400 // Receive Address Low
	regRAH0   = 0x5404 // Receive Address High
	mtaWords  = 128
)

// CTRL bits.
const (
	ctrlASDE = 1 << 5  // Auto-Speed Detection Enable
	ctrlSLU  = 1 << 6  // Set Link Up
	ctrlRST  = 1 << 26 // Device Reset, self-clearing
)

// STATUS bits.
const statusLU = 1 << 1 // Link Up

// EERD fields: the 8254x and the 82574L place DONE and the address
// differently (8254x SDM, EERD; 82574 datasheet, EERD).
const (
	eerdStart          = 1 << 0
	eerdDone8254x      = 1 << 4
	eerdAddrShift8254x = 8
	eerdDone82574      = 1 << 1
	eerdAddrShift82574 = 2
	eerdDataShift      = 16
)

// RAH bits.
const rahAV = 1 << 31 // Address Valid

// Interrupt causes, for ICR, IMS and IMC.
const (
	intTXDW   = 1 << 0 // Transmit Descriptor Written Back
	intLSC    = 1 << 2 // Link Status Change
	intRXDMT0 = 1 << 4 // Receive Descriptor Minimum Threshold reached
	intRXO    = 1 << 6 // Receiver Overrun
	intRXT0   = 1 << 7 // Receiver Timer Interrupt (a frame arrived)

	// intRx are the causes the stack's polling switches off and on.
	intRx = intRXT0 | intRXO | intRXDMT0
	// intAll clears every cause at reset.
	intAll = 0xFFFFFFFF
)

// RCTL bits.
const (
	rctlEN    = 1 << 1  // Receiver Enable
	rctlMPE   = 1 << 4  // Multicast Promiscuous Enable
	rctlBAM   = 1 << 15 // Broadcast Accept Mode
	rctlSECRC = 1 << 26 // Strip Ethernet CRC
	// BSIZE 00 with BSEX 0: 2048-byte receive buffers.
	rctlBSIZE2048 = 0
)

// TCTL bits.
const (
	tctlEN        = 1 << 1 // Transmit Enable
	tctlPSP       = 1 << 3 // Pad Short Packets
	tctlCTShift   = 4      // Collision Threshold
	tctlCOLDShift = 12     // Collision Distance
	// The SDM's recommended values: 15 retries, and 64 byte times of
	// collision distance for full duplex.
	tctlCT   = 0x0F << tctlCTShift
	tctlCOLD = 0x40 << tctlCOLDShift
)

// tipgCopper is TIPG for copper media: IPGT 10, IPGR1 8, IPGR2 6
// .
const tipgCopper = 10 | 8<<10 | 6<<20

// itrInterval is the interrupt throttle: at most one interrupt per
// itrInterval x 256 ns, here 50 us, 20,000 a second. The stack
// polls with receive interrupts off while frames keep coming, so the
// throttle only bounds the rate when frames arrive in small bursts, where
// each interrupt costs an exit to the hypervisor or a trap on hardware.
const itrInterval = 50_000 / 256

// Legacy descriptors, 16 bytes each (3.2.3 receive, 3.3.3 transmit).
const (
	descSize = 16

	// Receive: buffer address (8), length (2), checksum (2), status (1),
	// errors (1), special (2).
	rxLength = 8
	rxStatus = 12
	rxErrors = 13
	rxDD     = 1 << 0 // Descriptor Done
	rxEOP    = 1 << 1 // End Of Packet
	// rxErrFrame are errors that make a frame unusable: CRC or
	// alignment (CE), symbol (SE), sequence (SEQ), carrier extension
	// (CXE), RX data (RXE) (3.2.3.2).
	rxErrFrame = 1<<0 | 1<<1 | 1<<2 | 1<<4 | 1<<7

	// Transmit: buffer address (8), length (2), CSO (1), command (1),
	// status (1), CSS (1), special (2).
	txLength  = 8
	txCmd     = 11
	txStatus  = 12
	txCmdEOP  = 1 << 0 // End Of Packet
	txCmdIFCS = 1 << 1 // Insert FCS
	txCmdRS   = 1 << 3 // Report Status: the device sets DD when sent
	txDD      = 1 << 0 // Descriptor Done
)
