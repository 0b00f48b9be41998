package virtionet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"unigo/drivers/virtio"
)

// Regression tests for driver bugs found by review (each failed before
// its fix): a failed device's ring trusted again, EVENT_IDX interrupts
// that stopped after the first, a completed checksum of 0x0000, and a
// merged frame whose first buffer holds only the header.

// Once Receive has reported a broken device (ErrDevice, d.failed set), it
// must keep failing, as Transmit does: otherwise it goes on taking used
// entries after the bad one, e.g. parsing the later buffers of a merged
// frame as headers.
func TestRegressionReceiveAfterDeviceError(t *testing.T) {

	for _, nb := range []uint16{0, 300} {
		n := newNetDeviceOffering(t, FeatureMrgRxbuf)
		b := n.rxPut(append(netHdr(0, 0, 0, nb), frame(1, 60)...))
		n.rx.complete(b.id, b.length)
		if _, err := collect(n.d); !errors.Is(err, virtio.ErrDevice) {
			t.Fatalf("Receive() with num_buffers %d = %v, want virtio.ErrDevice", nb, err)
		}
		n.receive(frame(2, 60))
		got, err := collect(n.d)
		if !errors.Is(err, virtio.ErrDevice) || len(got) != 0 {
			t.Errorf("Receive() after a device error (num_buffers %d) = %d frames, %v, want 0, virtio.ErrDevice", nb, len(got), err)
		}
		if _, err := collect(n.d); !errors.Is(err, virtio.ErrDevice) {
			t.Errorf("Receive() with nothing used after a device error = %v, want virtio.ErrDevice", err)
		}
	}
}

// With EVENT_IDX and interrupts never disabled (the plain use the
// package documentation gives: on an interrupt, Interrupt then Receive),
// the driver must keep used_event at its last seen used index, or the
// device interrupts once and then not again until the 16-bit index
// wraps (§2.7.7.2; Linux writes used_event = last_used_idx in
// virtqueue_get_buf when interrupts are enabled).
func TestRegressionEventIdxInterruptAfterPlainReceive(t *testing.T) {
	for _, eventIdx := range []bool{false, true} {
		t.Run(fmt.Sprintf("EVENT_IDX=%v", eventIdx), func(t *testing.T) {
			var features uint64
			if eventIdx {
				features = virtio.FeatureEventIdx
			}
			n := newNetDeviceOffering(t, features)
			for i := range 3 {
				if !n.rx.wouldInterrupt(eventIdx) {
					t.Fatalf("frame %d: the device would not interrupt (used_event %d, used idx %d)", i, n.rx.usedEvent(), n.rx.usedIdx)
				}
				n.receive(frame(i, 60))
				n.d.Interrupt()
				if got, err := collect(n.d); err != nil || len(got) != 1 {
					t.Fatalf("frame %d: Receive() = %d frames, %v", i, len(got), err)
				}
			}
		})
	}
}

// zeroSumUDP6 is an IPv6/UDP packet whose checksum computes to 0, which
// UDP sends as 0xffff (RFC 768): over IPv6 a zero UDP checksum is
// invalid and the packet is discarded (RFC 8200 §8.1). Linux's
// skb_checksum_help, which completes NEEDS_CSUM, writes CSUM_MANGLED_0
// (0xffff) for that reason.
func zeroSumUDP6(t *testing.T) packet {
	pl := payload(11, 64)
	pl[10], pl[11] = 0, 0
	p := buildPacket(t, true, true, pl)
	seg := bytes.Clone(p.full[p.csumStart:])
	binary.BigEndian.PutUint16(seg[6:], 0)
	s := checksum.Checksum(seg, header.PseudoHeaderChecksum(header.UDPProtocolNumber, p.src, p.dst, uint16(len(seg))))
	binary.BigEndian.PutUint16(pl[10:], 0xffff-s) // the sum becomes 0xffff: its complement 0
	p = buildPacket(t, true, true, pl)
	if got := binary.BigEndian.Uint16(p.full[p.csumStart+p.csumOff:]); got != 0xffff {
		t.Fatalf("crafted packet's UDP checksum = %#04x, want 0xffff (computed 0)", got)
	}
	return p
}

func TestRegressionZeroUDPChecksum(t *testing.T) {

	p := zeroSumUDP6(t)
	at := p.csumStart + p.csumOff
	t.Run("TX in software", func(t *testing.T) {
		n := newNetDeviceOffering(t, 0)
		f := Frame{Parts: [][]byte{p.partial}, CsumStart: uint16(p.csumStart), CsumOffset: uint16(p.csumOff)}
		if sent, err := n.d.TransmitFrames([]Frame{f}); sent != 1 || err != nil {
			t.Fatalf("TransmitFrames() = %d, %v", sent, err)
		}
		_, _, got := n.sent()
		if c := binary.BigEndian.Uint16(got[at:]); c != 0xffff || !p.valid(got) {
			t.Errorf("UDP checksum sent = %#04x, want 0xffff", c)
		}
	})
	t.Run("RX completion", func(t *testing.T) {
		n := newNetDeviceOffering(t, FeatureGuestCsum)
		b := n.rxPut(append(netHdr(needsCsum, uint16(p.csumStart), uint16(p.csumOff), 1), p.partial...))
		n.rx.complete(b.id, b.length)
		got, err := collect(n.d)
		if err != nil || len(got) != 1 {
			t.Fatalf("Receive() = %d frames, %v", len(got), err)
		}
		if c := binary.BigEndian.Uint16(got[0][at:]); c != 0xffff || !p.valid(got[0]) {
			t.Errorf("UDP checksum delivered = %#04x, want 0xffff", c)
		}
	})
}

// With MRG_RXBUF a device may fill the first buffer with the header alone
// and put the data in the num_buffers-1 later ones (§5.1.6.4 does not
// forbid it). The driver drops the first buffer without reading
// num_buffers, then takes the data buffers for headers of new frames.
func TestRegressionHeaderOnlyFirstBuffer(t *testing.T) {

	n := newNetDeviceOffering(t, FeatureMrgRxbuf)
	data := frame(5, 100)
	for _, b := range []usedBuf{n.rxPut(netHdr(0, 0, 0, 2)), n.rxPut(data)} {
		n.rx.complete(b.id, b.length)
	}
	n.receive(frame(6, 60))
	got, err := collect(n.d)
	if err != nil || len(got) != 2 || !bytes.Equal(got[0], data) || !bytes.Equal(got[1], frame(6, 60)) {
		t.Errorf("Receive() = %d frames, %v, want the 100-byte frame then the 60-byte one", len(got), err)
	}
}
