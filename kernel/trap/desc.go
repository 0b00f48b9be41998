package trap

import "encoding/binary"

// Segment selectors of the kernel GDT (same as the boot stub's).
const (
	SelCode = 0x08
	SelData = 0x10
	SelTSS  = 0x18
)

// GDT descriptors (SDM vol. 3, 3.4.5 and 5.2.1): 64-bit code, flat data.
const (
	descCode64 = 0x00AF9A000000FFFF
	descData   = 0x00CF92000000FFFF
)

// Gate and TSS type bytes (SDM vol. 3, 7.14.1 and 9.2.3).
const (
	gateInterrupt = 0x8E // present, DPL 0, 64-bit interrupt gate: IF cleared on entry
	tssAvailable  = 0x89 // present, 64-bit available TSS
	tssSize       = 104
)

// EncodeGate encodes a 16-byte IDT gate to handler on the given IST (0: none).
func EncodeGate(b []byte, handler uintptr, sel uint16, ist uint8) {
	binary.LittleEndian.PutUint16(b[0:], uint16(handler))
	binary.LittleEndian.PutUint16(b[2:], sel)
	b[4] = ist & 7
	b[5] = gateInterrupt
	binary.LittleEndian.PutUint16(b[6:], uint16(handler>>16))
	binary.LittleEndian.PutUint32(b[8:], uint32(handler>>32))
	binary.LittleEndian.PutUint32(b[12:], 0)
}

// DecodeGate is EncodeGate's inverse, for tests and crash reports.
func DecodeGate(b []byte) (handler uintptr, sel uint16, ist uint8) {
	handler = uintptr(binary.LittleEndian.Uint16(b[0:])) | uintptr(binary.LittleEndian.Uint16(b[6:]))<<16 |
		uintptr(binary.LittleEndian.Uint32(b[8:]))<<32
	return handler, binary.LittleEndian.Uint16(b[2:]), b[4] & 7
}

// EncodeTSSDesc encodes the 16-byte system descriptor of a 64-bit TSS.
func EncodeTSSDesc(b []byte, base uintptr) {
	lo := uint64(tssSize-1) | uint64(base&0xFFFFFF)<<16 | uint64(tssAvailable)<<40 | uint64(base>>24&0xFF)<<56
	binary.LittleEndian.PutUint64(b[0:], lo)
	binary.LittleEndian.PutUint64(b[8:], uint64(base>>32))
}

// SetIST stores interrupt stack pointer n (1..7) in a TSS (SDM vol. 3, figure 9-11).
func SetIST(tss []byte, n int, sp uintptr) {
	binary.LittleEndian.PutUint64(tss[36+8*(n-1):], uint64(sp))
}

// EncodePseudoDesc writes the 10-byte operand of LGDT/LIDT.
func EncodePseudoDesc(b []byte, base uintptr, size int) {
	binary.LittleEndian.PutUint16(b[0:], uint16(size-1))
	binary.LittleEndian.PutUint64(b[2:], uint64(base))
}
