package e1000

import (
	"encoding/binary"
	"fmt"
)

// fakeDev models the datasheet behaviour the driver relies on: CTRL.RST
// self-clears, ICR clears on read, IMS/IMC set and clear the mask, EERD
// answers from an EEPROM image, and the "wire" side fills receive
// descriptors between RDH and RDT and consumes transmit descriptors
// between TDH and TDT, setting DD as a device writes back.
type fakeDev struct {
	model  Model
	reg    map[uintptr]uint32
	mask   uint32
	eeprom [64]uint16
	mem    map[uint64][]byte // DMA allocations by physical address
	next   uint64
	sent   [][]byte
	resetN int // reads of CTRL before RST clears (a slow reset)
}

func newFake(model Model, mac [6]byte, inRAL bool) *fakeDev {
	f := &fakeDev{model: model, reg: map[uintptr]uint32{}, mem: map[uint64][]byte{}, next: 0x100000}
	for i := 0; i < 3; i++ {
		f.eeprom[i] = binary.LittleEndian.Uint16(mac[2*i:])
	}
	if inRAL {
		f.reg[regRAL0] = binary.LittleEndian.Uint32(mac[0:4])
		f.reg[regRAH0] = uint32(binary.LittleEndian.Uint16(mac[4:6])) | rahAV
	}
	f.reg[regSTATUS] = statusLU
	return f
}

func (f *fakeDev) dma(n int) ([]byte, uint64, error) {
	b := make([]byte, n)
	p := f.next
	f.mem[p] = b
	f.next += uint64(n+4095) &^ 4095
	return b, p, nil
}

// at returns the device's view of physical memory [p, p+n).
func (f *fakeDev) at(p uint64, n int) []byte {
	for base, b := range f.mem {
		if p >= base && p+uint64(n) <= base+uint64(len(b)) {
			return b[p-base : p-base+uint64(n)]
		}
	}
	panic(fmt.Sprintf("fake device: DMA to unmapped %#x+%d", p, n))
}

func (f *fakeDev) Read32(off uintptr) uint32 {
	switch off {
	case regCTRL:
		if f.reg[regCTRL]&ctrlRST != 0 {
			if f.resetN > 0 {
				f.resetN--
			} else {
				f.reg[regCTRL] &^= ctrlRST
			}
		}
	case regICR:
		v := f.reg[regICR]
		f.reg[regICR] = 0
		return v
	case regIMS:
		return f.mask
	}
	return f.reg[off]
}

func (f *fakeDev) Write32(off uintptr, v uint32) {
	switch off {
	case regIMS:
		f.mask |= v
		return
	case regIMC:
		f.mask &^= v
		return
	case regEERD:
		done, shift := uint32(eerdDone8254x), eerdAddrShift8254x
		if f.model == Model82574 {
			done, shift = eerdDone82574, eerdAddrShift82574
		}
		if v&eerdStart != 0 {
			addr := (v >> shift) & 0xFF
			v = v&^0xFFFF0000 | uint32(f.eeprom[addr])<<eerdDataShift | done
		}
	case regCTRL:
		if v&ctrlRST != 0 {
			// A reset loses the receive address unless the EEPROM
			// reloads it: keep what the test put there.
			f.mask = 0
		}
	}
	f.reg[off] = v
}

func (f *fakeDev) ring(base, length uintptr) []byte {
	phys := uint64(f.reg[base]) | uint64(f.reg[base+4])<<32
	return f.at(phys, int(f.reg[length]))
}

// receive puts one frame on the wire to the driver: it fills the
// descriptor at RDH unless the ring is full (RDH == RDT), as the device
// does, and raises RXT0. It reports whether the frame was taken.
func (f *fakeDev) receive(frame []byte) bool {
	if f.reg[regRCTL]&rctlEN == 0 {
		return false
	}
	ring := f.ring(regRDBAL, regRDLEN)
	n := uint32(len(ring) / descSize)
	h := f.reg[regRDH]
	if h == f.reg[regRDT] {
		return false
	}
	d := ring[h*descSize : (h+1)*descSize]
	copy(f.at(binary.LittleEndian.Uint64(d), len(frame)), frame)
	binary.LittleEndian.PutUint16(d[rxLength:], uint16(len(frame)))
	d[rxErrors] = 0
	d[rxStatus] = rxDD | rxEOP
	f.reg[regRDH] = (h + 1) % n
	f.reg[regICR] |= intRXT0
	return true
}

// transmit sends every descriptor from TDH to TDT and writes DD back.
func (f *fakeDev) transmit() {
	if f.reg[regTCTL]&tctlEN == 0 {
		return
	}
	ring := f.ring(regTDBAL, regTDLEN)
	n := uint32(len(ring) / descSize)
	for h := f.reg[regTDH]; h != f.reg[regTDT]; h = (h + 1) % n {
		d := ring[h*descSize : (h+1)*descSize]
		length := int(binary.LittleEndian.Uint16(d[txLength:]))
		f.sent = append(f.sent, append([]byte(nil), f.at(binary.LittleEndian.Uint64(d), length)...))
		d[txStatus] |= txDD
		f.reg[regTDH] = (h + 1) % n
	}
	f.reg[regICR] |= intTXDW
}
