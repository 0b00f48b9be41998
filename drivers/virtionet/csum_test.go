package virtionet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"unigo/drivers/virtio"
)

// packet is a real Ethernet/IP/TCP-or-UDP frame built with gVisor's
// header package, in the two forms a checksum offload deals with.
type packet struct {
	name string
	// partial has the transport checksum field holding the
	// pseudo-header sum, as a stack leaves it for the device
	// (VIRTIO_NET_HDR_F_NEEDS_CSUM, §5.1.6.2); full has the complete
	// checksum, computed by gVisor.
	partial, full      []byte
	csumStart, csumOff int
	v6, udp            bool
	src, dst           tcpip.Address
	payload            []byte
}

// buildPacket builds an IPv4 or IPv6 frame carrying a TCP or UDP segment
// with payload.
func buildPacket(t testing.TB, v6, udp bool, payload []byte) packet {
	t.Helper()
	p := packet{v6: v6, udp: udp, payload: payload}
	p.name = map[bool]string{false: "IPv4", true: "IPv6"}[v6] + "/" + map[bool]string{false: "TCP", true: "UDP"}[udp] + fmt.Sprintf("/%d", len(payload))
	proto := header.TCPProtocolNumber
	l4Len := header.TCPMinimumSize
	if udp {
		proto, l4Len = header.UDPProtocolNumber, header.UDPMinimumSize
	}
	l3Len := header.IPv4MinimumSize
	etherType := header.IPv4ProtocolNumber
	if v6 {
		l3Len, etherType = header.IPv6MinimumSize, header.IPv6ProtocolNumber
	}
	segLen := l4Len + len(payload)
	b := make([]byte, header.EthernetMinimumSize+l3Len+segLen)
	header.Ethernet(b).Encode(&header.EthernetFields{
		SrcAddr: tcpip.LinkAddress("\x02\x00\x00\x00\x00\x01"),
		DstAddr: tcpip.LinkAddress("\x02\x00\x00\x00\x00\x02"),
		Type:    etherType,
	})
	l3 := b[header.EthernetMinimumSize:]
	if v6 {
		p.src = tcpip.AddrFrom16([16]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34})
		p.dst = tcpip.AddrFrom16([16]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd})
		header.IPv6(l3).Encode(&header.IPv6Fields{
			PayloadLength:     uint16(segLen),
			TransportProtocol: proto,
			HopLimit:          64,
			SrcAddr:           p.src,
			DstAddr:           p.dst,
		})
	} else {
		p.src = tcpip.AddrFrom4([4]byte{10, 0, 2, 15})
		p.dst = tcpip.AddrFrom4([4]byte{93, 184, 216, 34})
		ip := header.IPv4(l3)
		ip.Encode(&header.IPv4Fields{
			TotalLength: uint16(l3Len + segLen),
			ID:          0x1234,
			TTL:         64,
			Protocol:    uint8(proto),
			SrcAddr:     p.src,
			DstAddr:     p.dst,
		})
		ip.SetChecksum(^ip.CalculateChecksum())
	}
	seg := l3[l3Len:]
	copy(seg[l4Len:], payload)
	pseudo := header.PseudoHeaderChecksum(proto, p.src, p.dst, uint16(segLen))
	payloadSum := checksum.Checksum(payload, 0)
	p.csumStart = header.EthernetMinimumSize + l3Len
	if udp {
		u := header.UDP(seg)
		u.Encode(&header.UDPFields{SrcPort: 5353, DstPort: 53, Length: uint16(segLen)})
		p.csumOff = 6
		sum := ^u.CalculateChecksum(checksum.Combine(pseudo, payloadSum))
		if sum == 0 {
			sum = 0xffff // RFC 768
		}
		u.SetChecksum(sum)
	} else {
		tcp := header.TCP(seg)
		tcp.Encode(&header.TCPFields{SrcPort: 40000, DstPort: 80, SeqNum: 0x01020304, AckNum: 0x0a0b0c0d,
			DataOffset: header.TCPMinimumSize, Flags: header.TCPFlagAck | header.TCPFlagPsh, WindowSize: 65000})
		p.csumOff = 16
		tcp.SetChecksum(^tcp.CalculateChecksum(checksum.Combine(pseudo, payloadSum)))
	}
	p.full = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[p.csumStart+p.csumOff:], pseudo)
	p.partial = b
	if !p.valid(p.full) {
		t.Fatalf("%s: gVisor does not accept its own checksum", p.name)
	}
	if p.valid(p.partial) {
		t.Fatalf("%s: the partial checksum already verifies: pick another payload", p.name)
	}
	return p
}

// valid checks frame's transport checksum with gVisor, independently of
// the driver.
func (p packet) valid(frame []byte) bool {
	l3 := frame[header.EthernetMinimumSize:]
	if !p.v6 && !header.IPv4(l3).IsChecksumValid() {
		return false
	}
	seg := frame[p.csumStart:]
	sum := checksum.Checksum(p.payload, 0)
	if p.udp {
		u := header.UDP(seg)
		if u.Checksum() == 0 { // none (IPv4) or invalid (IPv6): never what a completion writes
			return false
		}
		return u.IsChecksumValid(p.src, p.dst, sum)
	}
	return header.TCP(seg).IsChecksumValid(p.src, p.dst, sum, uint16(len(p.payload)))
}

func payload(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*131 + i*17 + i>>7)
	}
	return b
}

// testPackets covers both IP versions and transports, even and odd
// lengths.
func testPackets(t testing.TB) []packet {
	return []packet{
		buildPacket(t, false, false, payload(1, 100)),
		buildPacket(t, false, false, payload(2, 101)),
		buildPacket(t, false, false, []byte{0x42}),
		buildPacket(t, false, true, payload(3, 512)),
		buildPacket(t, true, true, payload(4, 200)),
		buildPacket(t, true, true, payload(5, 77)),
		buildPacket(t, true, false, payload(6, 1000)),
		buildPacket(t, false, false, payload(7, 1460)), // a full 1514-byte frame
	}
}

// With GUEST_CSUM a device may hand over a frame whose checksum is only
// the pseudo-header sum (NEEDS_CSUM): the driver completes it, so what
// it delivers verifies.
func TestReceiveCompletesChecksum(t *testing.T) {
	for _, mrg := range []bool{false, true} {
		features := uint64(FeatureGuestCsum)
		if mrg {
			features |= FeatureMrgRxbuf
		}
		pkts := testPackets(t)
		if mrg { // one spanning three buffers, its checksum field in the first
			pkts = append(pkts, buildPacket(t, false, false, payload(8, 5000)), buildPacket(t, true, true, payload(9, 4999)))
		}
		for _, p := range pkts {
			t.Run(fmt.Sprintf("MRG_RXBUF=%v/%s", mrg, p.name), func(t *testing.T) {
				n := newNetDeviceOffering(t, features)
				hdr := netHdr(needsCsum, uint16(p.csumStart), uint16(p.csumOff), 1)
				if mrg {
					n.completeAll(n.fillMerged(hdr, p.partial))
				} else {
					b := n.rxPut(append(hdr, p.partial...))
					n.rx.complete(b.id, b.length)
				}
				got, err := collect(n.d)
				if err != nil || len(got) != 1 {
					t.Fatalf("Receive() = %d frames, %v, want 1, nil", len(got), err)
				}
				if !p.valid(got[0]) {
					t.Errorf("delivered frame's checksum = %#04x, want one gVisor accepts (%#04x)",
						binary.BigEndian.Uint16(got[0][p.csumStart+p.csumOff:]), binary.BigEndian.Uint16(p.full[p.csumStart+p.csumOff:]))
				}
				if !bytes.Equal(got[0], p.full) {
					t.Errorf("delivered frame differs from the packet with its checksum completed")
				}
				if n.d.Stats.RxCsumCompleted != 1 || n.d.Stats.RxPackets != 1 || n.d.Stats.RxDropped != 0 {
					t.Errorf("RxCsumCompleted, RxPackets, RxDropped = %d, %d, %d, want 1, 1, 0", n.d.Stats.RxCsumCompleted, n.d.Stats.RxPackets, n.d.Stats.RxDropped)
				}
			})
		}
	}
}

// Without NEEDS_CSUM (no flags, or only DATA_VALID) the frame is
// delivered as it came, whatever csum_start and csum_offset say.
func TestReceiveChecksumUntouched(t *testing.T) {
	p := buildPacket(t, false, false, payload(1, 100))
	n := newNetDeviceOffering(t, FeatureGuestCsum|FeatureMrgRxbuf)
	for _, flags := range []byte{0, 2} { // 2: VIRTIO_NET_HDR_F_DATA_VALID
		b := n.rxPut(append(netHdr(flags, uint16(p.csumStart), uint16(p.csumOff), 1), p.partial...))
		n.rx.complete(b.id, b.length)
	}
	got, err := collect(n.d)
	if err != nil || len(got) != 2 {
		t.Fatalf("Receive() = %d frames, %v, want 2, nil", len(got), err)
	}
	for i := range got {
		if !bytes.Equal(got[i], p.partial) {
			t.Errorf("frame %d was modified without NEEDS_CSUM", i)
		}
	}
	if n.d.Stats.RxCsumCompleted != 0 {
		t.Errorf("RxCsumCompleted = %d, want 0", n.d.Stats.RxCsumCompleted)
	}
}

// rfc1071 is the Internet checksum of b, for synthetic frames.
func rfc1071(b []byte) uint16 { return ^checksum.Checksum(b, 0) }

// A checksum request must lie in the frame: the checksum field's two
// bytes end at most at the frame's end. Otherwise the frame is dropped and
// its neighbours delivered.
func TestReceiveChecksumOutOfRange(t *testing.T) {
	const flen = 100
	tests := []struct {
		start, off uint16
		ok         bool
	}{
		{0, 98, true}, // the last two bytes
		{90, 8, true},
		{97, 1, true},
		{0, 99, false}, // one byte over
		{98, 1, false},
		{99, 0, false},
		{100, 0, false},
		{0, 100, false},
		{2000, 6, false},
		{0xffff, 0xffff, false},
		{0xffff, 16, false},
		{16, 0xffff, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("start=%d,offset=%d", tt.start, tt.off), func(t *testing.T) {
			n := newNetDeviceOffering(t, FeatureGuestCsum|FeatureMrgRxbuf)
			f := frame(7, flen)
			n.receive(frame(1, 60))
			b := n.rxPut(append(netHdr(needsCsum, tt.start, tt.off, 1), f...))
			n.rx.complete(b.id, b.length)
			n.receive(frame(2, 60))
			got, err := collect(n.d)
			if err != nil {
				t.Fatalf("Receive() error: %v", err)
			}
			want := [][]byte{frame(1, 60)}
			if tt.ok {
				// The field holds the pseudo-header sum and is part of
				// the sum (§5.1.6.2): it becomes the complement of the
				// sum over [start:].
				c := bytes.Clone(f)
				binary.BigEndian.PutUint16(c[int(tt.start)+int(tt.off):], rfc1071(f[tt.start:]))
				want = append(want, c)
			}
			want = append(want, frame(2, 60))
			if len(got) != len(want) {
				t.Fatalf("Receive() delivered %d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d = % x..., want % x...", i, got[i][:8], want[i][:8])
				}
			}
			if tt.ok && tt.off%2 == 0 {
				// A receiver adds the pseudo-header sum (what the field
				// held) to the sum over [start:]: all ones when valid
				// (with the field 16-bit aligned in the range, as TCP's
				// and UDP's are).
				at := int(tt.start) + int(tt.off)
				if s := checksum.Checksum(got[1][tt.start:], binary.BigEndian.Uint16(f[at:])); s != 0xffff {
					t.Errorf("sum over [%d:] of the completed frame plus the pseudo-header sum = %#04x, want 0xffff", tt.start, s)
				}
			}
			wantDropped := uint64(0)
			if !tt.ok {
				wantDropped = 1
			}
			if n.d.Stats.RxDropped != wantDropped {
				t.Errorf("RxDropped = %d, want %d", n.d.Stats.RxDropped, wantDropped)
			}
			n.checkRecycled("after the frames")
		})
	}
}

// With CSUM the device completes checksums: the header carries the
// request (§5.1.6.2) and the frame goes out as the stack built it.
func TestTransmitChecksumOffload(t *testing.T) {
	n := newNetDeviceOffering(t, FeatureCsum)
	if !n.d.OffloadsTxCsum() {
		t.Fatalf("OffloadsTxCsum() with CSUM = false, want true")
	}
	pkts := testPackets(t)
	for i, p := range pkts {
		f := Frame{Parts: [][]byte{p.partial}, CsumStart: uint16(p.csumStart), CsumOffset: uint16(p.csumOff)}
		if sent, err := n.d.TransmitFrames([]Frame{f}); sent != 1 || err != nil {
			t.Fatalf("%s: TransmitFrames() = %d, %v, want 1, nil", p.name, sent, err)
		}
		id, hdr, got := n.sent()
		want := netHdr(needsCsum, uint16(p.csumStart), uint16(p.csumOff), 0)
		if !bytes.Equal(hdr, want) {
			t.Errorf("%s: header % x, want % x (NEEDS_CSUM, csum_start %d, csum_offset %d)", p.name, hdr, want, p.csumStart, p.csumOff)
		}
		if !bytes.Equal(got, p.partial) {
			t.Errorf("%s: the driver changed the frame it offloads", p.name)
		}
		if n.d.Stats.TxCsumOffloaded != uint64(i+1) {
			t.Errorf("%s: TxCsumOffloaded = %d, want %d", p.name, n.d.Stats.TxCsumOffloaded, i+1)
		}
		n.tx.complete(id, 0)
	}
	// No request: a zero header.
	if sent, err := n.d.TransmitFrames([]Frame{{Parts: [][]byte{pkts[0].full}, CsumStart: 34}}); sent != 1 || err != nil {
		t.Fatalf("TransmitFrames() = %d, %v", sent, err)
	}
	if _, hdr, got := n.sent(); !bytes.Equal(hdr, make([]byte, HeaderLen)) || !bytes.Equal(got, pkts[0].full) {
		t.Errorf("frame without a request: header % x, frame changed %v; want a zero header and the frame as is", hdr, !bytes.Equal(got, pkts[0].full))
	}
	if n.d.Stats.TxCsumOffloaded != uint64(len(pkts)) {
		t.Errorf("TxCsumOffloaded = %d, want %d", n.d.Stats.TxCsumOffloaded, len(pkts))
	}
}

// splitParts cuts b at the given offsets (kept in range), empty parts
// included.
func splitParts(b []byte, cuts ...int) [][]byte {
	var parts [][]byte
	prev := 0
	for _, c := range cuts {
		c = min(max(c, prev), len(b))
		parts = append(parts, b[prev:c])
		prev = c
	}
	return append(parts, b[prev:])
}

// Without CSUM the driver completes the checksum itself, over frames in
// any number of parts, leaving the caller's buffers alone.
func TestTransmitChecksumSoftware(t *testing.T) {
	n := newNetDeviceOffering(t, FeatureMrgRxbuf|FeatureGuestCsum)
	if n.d.OffloadsTxCsum() {
		t.Fatalf("OffloadsTxCsum() without CSUM = true, want false")
	}
	for _, p := range testPackets(t) {
		orig := bytes.Clone(p.partial)
		for _, parts := range [][][]byte{
			{p.partial},
			splitParts(p.partial, 14, p.csumStart),
			splitParts(p.partial, 7, p.csumStart+p.csumOff+1, p.csumStart+p.csumOff+1, len(p.partial)-1), // one cut inside the field
			splitParts(p.partial, 0, 1, 2, 3, 35, 61, 62, 63),
		} {
			f := Frame{Parts: parts, CsumStart: uint16(p.csumStart), CsumOffset: uint16(p.csumOff)}
			if sent, err := n.d.TransmitFrames([]Frame{f}); sent != 1 || err != nil {
				t.Fatalf("%s in %d parts: TransmitFrames() = %d, %v, want 1, nil", p.name, len(parts), sent, err)
			}
			id, hdr, got := n.sent()
			if !bytes.Equal(hdr, make([]byte, HeaderLen)) {
				t.Errorf("%s in %d parts: header % x, want zeros (no offload negotiated)", p.name, len(parts), hdr)
			}
			if !p.valid(got) {
				t.Errorf("%s in %d parts: checksum sent = %#04x, want one gVisor accepts (%#04x)", p.name, len(parts),
					binary.BigEndian.Uint16(got[p.csumStart+p.csumOff:]), binary.BigEndian.Uint16(p.full[p.csumStart+p.csumOff:]))
			}
			if !bytes.Equal(got, p.full) {
				t.Errorf("%s in %d parts: frame sent differs from the packet with its checksum completed", p.name, len(parts))
			}
			n.tx.complete(id, 0)
		}
		if !bytes.Equal(p.partial, orig) {
			t.Errorf("%s: TransmitFrames modified the caller's frame", p.name)
		}
	}
	if n.d.Stats.TxCsumOffloaded != 0 {
		t.Errorf("TxCsumOffloaded without CSUM = %d, want 0", n.d.Stats.TxCsumOffloaded)
	}
}

// Frames in parts are copied in order, with and without checksum requests.
func TestTransmitParts(t *testing.T) {
	for _, csum := range []bool{false, true} {
		var features uint64
		if csum {
			features = FeatureCsum
		}
		n := newNetDeviceOffering(t, features)
		whole := frame(5, 1514)
		var frames []Frame
		for _, cuts := range [][]int{nil, {0}, {1514}, {1, 2, 3}, {700, 700, 700}, {13, 14, 1000, 1513}} {
			frames = append(frames, Frame{Parts: splitParts(whole, cuts...)})
		}
		frames = append(frames, Frame{}, Frame{Parts: [][]byte{nil, {}, nil}})
		if sent, err := n.d.TransmitFrames(frames); sent != len(frames) || err != nil {
			t.Fatalf("CSUM=%v: TransmitFrames(%d frames) = %d, %v", csum, len(frames), sent, err)
		}
		for i, f := range frames {
			want := bytes.Join(f.Parts, nil)
			_, hdr, got := n.sent()
			if !bytes.Equal(got, want) {
				t.Errorf("CSUM=%v: frame %d (%d parts): device read %d bytes, want %d in order", csum, i, len(f.Parts), len(got), len(want))
			}
			if !bytes.Equal(hdr, make([]byte, HeaderLen)) {
				t.Errorf("CSUM=%v: frame %d: header % x, want zeros", csum, i, hdr)
			}
		}
	}
}

// A checksum request outside the frame cannot be honoured: the frame is
// dropped (consumed, counted in TxDropped), its neighbours sent.
func TestTransmitBadChecksumRequest(t *testing.T) {
	const flen = 100
	tests := []struct {
		start, off uint16
		ok         bool
	}{
		{0, 98, true},
		{97, 1, true},
		{1000, 0, true}, // CsumOffset 0: no request, CsumStart means nothing
		{0, 99, false},
		{98, 1, false},
		{100, 2, false},
		{0xffff, 1, false},
		{1, 0xffff, false},
		{0xffff, 0xffff, false},
	}
	for _, csum := range []bool{false, true} {
		for _, tt := range tests {
			var features uint64
			if csum {
				features = FeatureCsum
			}
			n := newNetDeviceOffering(t, features)
			f := frame(9, flen)
			frames := []Frame{
				{Parts: [][]byte{frame(1, 60)}},
				{Parts: [][]byte{f[:50], f[50:]}, CsumStart: tt.start, CsumOffset: tt.off},
				{Parts: [][]byte{frame(2, 60)}},
			}
			name := fmt.Sprintf("CSUM=%v, start %d, offset %d", csum, tt.start, tt.off)
			if sent, err := n.d.TransmitFrames(frames); sent != 3 || err != nil {
				t.Errorf("%s: TransmitFrames() = %d, %v, want 3, nil", name, sent, err)
			}
			want := [][]byte{frame(1, 60)}
			if tt.ok {
				c := bytes.Clone(f)
				if tt.off != 0 && !csum {
					binary.BigEndian.PutUint16(c[tt.start+tt.off:], rfc1071(f[tt.start:]))
				}
				want = append(want, c)
			}
			want = append(want, frame(2, 60))
			wantDropped := uint64(len(frames) - len(want))
			if n.d.Stats.TxDropped != wantDropped || n.d.Stats.TxPackets != uint64(len(want)) {
				t.Errorf("%s: TxDropped, TxPackets = %d, %d, want %d, %d", name, n.d.Stats.TxDropped, n.d.Stats.TxPackets, wantDropped, len(want))
			}
			for i, w := range want {
				if _, _, got := n.sent(); !bytes.Equal(got, w) {
					t.Errorf("%s: device read frame %d = % x..., want % x...", name, i, got[:4], w[:4])
				}
			}
			if n.tx.pending() != 0 {
				t.Errorf("%s: device sees %d more TX buffers, want 0", name, n.tx.pending())
			}
		}
	}
}

// OffloadsTxCsum follows the negotiation, and the network link relies on
// it: without CSUM, TransmitFrames still produces valid frames.
func TestOffloadsTxCsum(t *testing.T) {
	for _, tt := range []struct {
		offered uint64
		want    bool
	}{
		{FeatureCsum, true},
		{FeatureGuestCsum, false},
		{0, false},
		{wanted, true},
		{wanted &^ FeatureCsum, false},
	} {
		n := newNetDeviceOffering(t, tt.offered)
		if got := n.d.OffloadsTxCsum(); got != tt.want {
			t.Errorf("OffloadsTxCsum() offering %#x = %v, want %v", virtio.FeatureVersion1|tt.offered, got, tt.want)
		}
	}
}
