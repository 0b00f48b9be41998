package e1000

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"unigo/netstack/nic"
)

var testMAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}

func start(t *testing.T, model Model, inRAL bool) (*Device, *fakeDev) {
	t.Helper()
	f := newFake(model, testMAC, inRAL)
	d, err := New(f, model, f.dma)
	if err != nil {
		t.Fatal(err)
	}
	return d, f
}

func frame(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func TestSetUp(t *testing.T) {
	for _, model := range []Model{Model8254x, Model82574} {
		for _, inRAL := range []bool{true, false} {
			d, f := start(t, model, inRAL)
			if p := d.Properties(); p.MAC != testMAC || p.MTU != 1500 || p.TxCsum || p.RxCsumValidated {
				t.Errorf("%v inRAL=%v: properties %+v", model, inRAL, p)
			}
			if !inRAL && (f.reg[regRAH0]&rahAV == 0 || f.reg[regRAL0] != binary.LittleEndian.Uint32(testMAC[:4])) {
				t.Errorf("%v: the EEPROM's address was not put in RAL0/RAH0 for the receive filter", model)
			}
			if f.reg[regRCTL]&rctlEN == 0 || f.reg[regTCTL]&tctlEN == 0 || f.reg[regCTRL]&ctrlSLU == 0 {
				t.Errorf("%v: receiver, transmitter or link not enabled: RCTL %#x TCTL %#x CTRL %#x", model, f.reg[regRCTL], f.reg[regTCTL], f.reg[regCTRL])
			}
			if f.reg[regRDLEN]%128 != 0 || f.reg[regRDT] != ringLen-1 || f.reg[regRDH] != 0 {
				t.Errorf("%v: RDLEN %d RDH %d RDT %d: want a multiple of 128 and all but one buffer posted", model, f.reg[regRDLEN], f.reg[regRDH], f.reg[regRDT])
			}
			if f.mask != intRx|intLSC {
				t.Errorf("%v: interrupt mask %#x, want %#x", model, f.mask, intRx|intLSC)
			}
			if f.reg[regITR] != itrInterval {
				t.Errorf("%v: ITR %d", model, f.reg[regITR])
			}
			if !d.LinkUp() {
				t.Errorf("%v: link down", model)
			}
		}
	}
}

func TestResetTimesOut(t *testing.T) {
	f := newFake(Model8254x, testMAC, true)
	f.resetN = resetPolls + 1
	if _, err := New(f, Model8254x, f.dma); !errors.Is(err, ErrTimeout) {
		t.Fatalf("New with a reset that never ends: %v, want ErrTimeout", err)
	}
	f = newFake(Model8254x, testMAC, true)
	f.resetN = 10
	if _, err := New(f, Model8254x, f.dma); err != nil {
		t.Fatalf("New with a slow reset: %v", err)
	}
}

func TestReceive(t *testing.T) {
	d, f := start(t, Model82574, true)
	var got [][]byte
	deliver := func(b []byte) { got = append(got, append([]byte(nil), b...)) }
	// More frames than the ring holds, in rounds: every buffer comes back.
	for round := 0; round < 3; round++ {
		want := 0
		for i := 0; i < ringLen+10; i++ {
			if f.receive(frame(60+i%1400, byte(i))) {
				want++
			}
		}
		if want != ringLen-1 {
			t.Fatalf("round %d: the device took %d frames, want %d (one descriptor kept back)", round, want, ringLen-1)
		}
		got = got[:0]
		n, err := d.Receive(deliver)
		if err != nil || n != want || len(got) != want {
			t.Fatalf("round %d: Receive = %d, %v (%d delivered), want %d", round, n, err, len(got), want)
		}
		for i, b := range got {
			if len(b) != 60+i%1400 || b[0] != byte(i) {
				t.Fatalf("round %d: frame %d: %d bytes of %#x", round, i, len(b), b[0])
			}
		}
		if f.reg[regRDT] != (f.reg[regRDH]+ringLen-1)%ringLen {
			t.Fatalf("round %d: RDT %d RDH %d: the buffers were not all given back", round, f.reg[regRDT], f.reg[regRDH])
		}
	}
	if s := d.Statistics(); s.RxPackets != 3*(ringLen-1) {
		t.Errorf("RxPackets = %d", s.RxPackets)
	}
}

func TestReceiveDropsErrors(t *testing.T) {
	d, f := start(t, Model8254x, true)
	f.receive(frame(100, 1))
	desc := d.rx.desc[0:descSize]
	desc[rxErrors] = 1 << 0 // CRC error
	f.receive(frame(100, 2))
	var got [][]byte
	n, err := d.Receive(func(b []byte) { got = append(got, append([]byte(nil), b...)) })
	if err != nil || n != 1 || got[0][0] != 2 {
		t.Fatalf("Receive = %d, %v: want only the good frame", n, err)
	}
	if s := d.Statistics(); s.RxDropped != 1 {
		t.Errorf("RxDropped = %d, want 1", s.RxDropped)
	}
}

// A device that lies about a descriptor gets an error, never an access
// outside the buffers.
func TestReceiveBadDescriptors(t *testing.T) {
	cases := map[string]func(d *Device){
		"length beyond the buffer": func(d *Device) {
			binary.LittleEndian.PutUint16(d.rx.desc[rxLength:], bufSize+1)
			d.rx.desc[rxStatus] = rxDD | rxEOP
		},
		"frame across buffers": func(d *Device) {
			binary.LittleEndian.PutUint16(d.rx.desc[rxLength:], 100)
			d.rx.desc[rxStatus] = rxDD
		},
		"descriptor not posted": func(d *Device) {
			i := d.rx.tail
			binary.LittleEndian.PutUint16(d.rx.desc[i*descSize+rxLength:], 100)
			d.rx.desc[i*descSize+rxStatus] = rxDD | rxEOP
			d.rx.next = i
		},
	}
	for name, corrupt := range cases {
		d, _ := start(t, Model8254x, true)
		corrupt(d)
		if _, err := d.Receive(func([]byte) {}); !errors.Is(err, ErrDevice) {
			t.Errorf("%s: Receive error %v, want ErrDevice", name, err)
		}
	}
}

func TestTransmit(t *testing.T) {
	d, f := start(t, Model82574, true)
	a, b := frame(60, 0xAA), frame(1514, 0xBB)
	n, err := d.TransmitFrames([]nic.Frame{{Parts: [][]byte{a[:14], a[14:]}}, {Parts: [][]byte{b}}, {Parts: [][]byte{frame(1515, 1)}}})
	if n != 3 || err != nil {
		t.Fatalf("TransmitFrames = %d, %v", n, err)
	}
	if f.reg[regTDT] != 2 {
		t.Fatalf("TDT = %d, want 2 (the oversized frame dropped)", f.reg[regTDT])
	}
	f.transmit()
	if len(f.sent) != 2 || !bytes.Equal(f.sent[0], a) || !bytes.Equal(f.sent[1], b) {
		t.Fatalf("the device sent %d frames, not the two queued", len(f.sent))
	}
	if s := d.Statistics(); s.TxPackets != 2 || s.TxDropped != 1 {
		t.Errorf("TxPackets %d TxDropped %d, want 2 and 1", s.TxPackets, s.TxDropped)
	}
}

func TestTransmitFullRing(t *testing.T) {
	d, f := start(t, Model8254x, true)
	frames := make([]nic.Frame, ringLen+5)
	for i := range frames {
		frames[i] = nic.Frame{Parts: [][]byte{frame(64, byte(i))}}
	}
	n, err := d.TransmitFrames(frames)
	if n != ringLen-1 || !errors.Is(err, ErrFull) {
		t.Fatalf("TransmitFrames on an idle device = %d, %v; want %d, ErrFull", n, err, ringLen-1)
	}
	f.transmit() // the device sends them all and writes DD back
	n, err = d.TransmitFrames(frames[n:])
	if n != 6 || err != nil {
		t.Fatalf("after the device sent: %d, %v; want the 6 left", n, err)
	}
	f.transmit()
	if len(f.sent) != ringLen+5 {
		t.Fatalf("sent %d", len(f.sent))
	}
	for i, s := range f.sent {
		if s[0] != byte(i) {
			t.Fatalf("frame %d out of order", i)
		}
	}
}

func TestInterrupts(t *testing.T) {
	d, f := start(t, Model8254x, true)
	d.DisableRxInterrupts()
	if f.mask&intRx != 0 {
		t.Fatalf("mask %#x after DisableRxInterrupts", f.mask)
	}
	if d.EnableRxInterrupts() {
		t.Fatal("EnableRxInterrupts reports a frame on an empty ring")
	}
	if f.mask&intRx != intRx {
		t.Fatalf("mask %#x after EnableRxInterrupts", f.mask)
	}
	f.receive(frame(64, 1))
	if !d.EnableRxInterrupts() {
		t.Fatal("EnableRxInterrupts misses a waiting frame")
	}
	d.Interrupt()
	if f.reg[regICR] != 0 {
		t.Fatal("Interrupt did not read ICR")
	}
}

func TestCompleteChecksum(t *testing.T) {
	// An IPv4 header's checksum (RFC 1071's example header).
	h := []byte{0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7}
	completeChecksum(h, 0, 10)
	if got := binary.BigEndian.Uint16(h[10:]); got != 0xb861 {
		t.Fatalf("checksum %#x, want 0xb861", got)
	}
	completeChecksum(h, 15, 10) // out of range: left alone
}

func TestModelOf(t *testing.T) {
	for id, want := range map[uint16]Model{ID82540EM: Model8254x, ID82545EM: Model8254x, ID82574L: Model82574} {
		if m, ok := ModelOf(id); !ok || m != want {
			t.Errorf("ModelOf(%#x) = %v, %v", id, m, ok)
		}
	}
	if _, ok := ModelOf(0x1234); ok {
		t.Error("ModelOf accepts an unknown id")
	}
}
