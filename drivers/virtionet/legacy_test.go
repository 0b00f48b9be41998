package virtionet

import (
	"bytes"
	"encoding/binary"
	"testing"

	"unigo/drivers/virtio"
)

// legacyTransport is the fake device behind the legacy virtio-pci
// interface: virtio.Negotiate then neither asks for VERSION_1 nor uses
// FEATURES_OK.
type legacyTransport struct{ *fakeTransport }

func (legacyTransport) Legacy() bool { return true }

// A legacy device without MRG_RXBUF exchanges the 10-byte header of
// virtio v1.2 §5.1.6.1 both ways; with MRG_RXBUF, the 12-byte one.
func TestLegacyHeader(t *testing.T) {
	for _, c := range []struct {
		offered uint64
		hdr     int
	}{
		{FeatureMAC | FeatureCsum, 10},
		{FeatureMAC | FeatureCsum | FeatureMrgRxbuf, 12},
	} {
		tr := newFakeTransport()
		tr.offered = c.offered
		dma := newFakeDMA(t)
		d, err := New(legacyTransport{tr}, dma.alloc)
		if err != nil {
			t.Fatalf("New(legacy, offered %#x) error: %v", c.offered, err)
		}
		if d.Features()&virtio.FeatureVersion1 != 0 {
			t.Errorf("legacy features %#x include VERSION_1", d.Features())
		}
		n := &netDevice{t: t, tr: tr, dma: dma, d: d, rx: newDevQueue(t, dma, tr.queues[0]), tx: newDevQueue(t, dma, tr.queues[1])}

		// Transmit with a checksum request: the fields sit at the same
		// offsets in both headers, the frame right after the header.
		f := frame(1, 80)
		if sent, err := d.TransmitFrames([]Frame{{Parts: [][]byte{f}, CsumStart: 34, CsumOffset: 16}}); sent != 1 || err != nil {
			t.Fatalf("TransmitFrames = %d, %v, want 1, nil", sent, err)
		}
		_, desc := n.tx.take()
		if int(desc.len) != c.hdr+len(f) {
			t.Fatalf("hdr %d: TX buffer length = %d, want %d", c.hdr, desc.len, c.hdr+len(f))
		}
		b := dma.resolve(desc.addr, int(desc.len))
		if b[0] != needsCsum || binary.LittleEndian.Uint16(b[6:]) != 34 || binary.LittleEndian.Uint16(b[8:]) != 16 {
			t.Errorf("hdr %d: TX header = % x, want NEEDS_CSUM, csum_start 34, csum_offset 16", c.hdr, b[:c.hdr])
		}
		if !bytes.Equal(b[c.hdr:], f) {
			t.Errorf("hdr %d: TX frame does not follow the %d-byte header", c.hdr, c.hdr)
		}

		// Receive: the frame starts right after the device's header.
		id, rd := n.rx.take()
		rb := dma.resolve(rd.addr, int(rd.len))
		clear(rb[:c.hdr])
		if c.hdr == 12 {
			rb[10] = 1 // num_buffers
		}
		g := frame(2, 70)
		copy(rb[c.hdr:], g)
		n.rx.complete(id, uint32(c.hdr+len(g)))
		got, err := collect(d)
		if err != nil || len(got) != 1 || !bytes.Equal(got[0], g) {
			t.Errorf("hdr %d: Receive = %d frames, %v; want the 70-byte frame", c.hdr, len(got), err)
		}
	}
}
