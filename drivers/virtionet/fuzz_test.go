package virtionet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip/checksum"

	"unigo/drivers/virtio"
)

// The fuzzed device: a small receive queue, MRG_RXBUF and GUEST_CSUM.
const fuzzQueue = 8

// fuzzRecord is how many input bytes describe one device action:
//
//	[0]     action: 0-9 write a buffer, 10-11 and 15 let the driver
//	        Receive, 12 return an id not in flight, 13 jump the used
//	        index, 14 return a length beyond the buffer
//	[1:3]   used length (le16, modulo bufLen+33, so a few are too long)
//	[3]     header flags
//	[4:6]   csum_start (le16)
//	[6:8]   csum_offset (le16)
//	[8:10]  num_buffers (le16)
//	[10]    content seed
//	[11]    narrows [4:10] for a useful share of small values: bit 0
//	        csum_start < 256, bit 1 csum_offset < 32, bit 2
//	        num_buffers < 11
const fuzzRecord = 12

func fuzzRec(action byte, length int, flags byte, csumStart, csumOffset, numBuffers uint16, seed byte) []byte {
	r := make([]byte, fuzzRecord)
	r[0] = action
	binary.LittleEndian.PutUint16(r[1:], uint16(length))
	r[3] = flags
	binary.LittleEndian.PutUint16(r[4:], csumStart)
	binary.LittleEndian.PutUint16(r[6:], csumOffset)
	binary.LittleEndian.PutUint16(r[8:], numBuffers)
	r[10] = seed
	return r
}

// segment is what the device wrote into one buffer it returned.
type segment struct{ data []byte }

// matchFrame checks that frame is what the driver may deliver from the
// segments from from on: a head segment's bytes after its header followed
// by whole later segments, exactly, except for a checksum the driver
// completed as the head's header asked. It returns the first segment
// after the frame.
func matchFrame(segs []segment, from int, frame []byte) (int, bool) {
	for i := from; i < len(segs); i++ {
		head := segs[i].data
		if len(head) <= HeaderLen {
			continue
		}
		want := bytes.Clone(head[HeaderLen:])
		k := i + 1
		for len(want) < len(frame) && k < len(segs) {
			want = append(want, segs[k].data...)
			k++
		}
		if len(want) != len(frame) {
			continue
		}
		if head[hdrFlags]&needsCsum != 0 {
			start := int(binary.LittleEndian.Uint16(head[hdrCsumStart:]))
			at := start + int(binary.LittleEndian.Uint16(head[hdrCsumOffset:]))
			if at+2 > len(want) {
				continue // should have been dropped
			}
			sum := ^checksum.Checksum(want[start:], 0)
			got := binary.BigEndian.Uint16(frame[at:])
			if got != sum && !(sum == 0 && got == 0xffff) { // RFC 768 would send 0 as 0xffff
				continue
			}
			binary.BigEndian.PutUint16(want[at:], got)
		}
		if bytes.Equal(want, frame) {
			return k, true
		}
	}
	return from, false
}

func FuzzReceive(f *testing.F) {
	join := func(rs ...[]byte) []byte { return bytes.Join(rs, nil) }
	recv := fuzzRec(10, 0, 0, 0, 0, 0, 0)
	f.Add(join(fuzzRec(0, HeaderLen+60, 0, 0, 0, 1, 1)))
	f.Add(join( // a 3-buffer frame between single ones
		fuzzRec(0, HeaderLen+60, 0, 0, 0, 1, 1),
		fuzzRec(0, bufLen, 0, 0, 0, 3, 2), fuzzRec(1, bufLen, 0, 0, 0, 0, 3), fuzzRec(2, 900, 0, 0, 0, 0, 4),
		fuzzRec(3, HeaderLen+1, 0, 0, 0, 1, 5)))
	f.Add(join( // a merged frame across Receive calls
		fuzzRec(0, bufLen, 0, 0, 0, 2, 1), recv, fuzzRec(0, 500, 0, 0, 0, 1, 2), recv, fuzzRec(0, 100, 0, 0, 0, 1, 3)))
	f.Add(join( // checksum requests: in range, at the end, beyond
		fuzzRec(0, HeaderLen+100, needsCsum, 34, 16, 1, 1),
		fuzzRec(0, HeaderLen+100, needsCsum, 0, 98, 1, 2),
		fuzzRec(0, HeaderLen+100, needsCsum, 0, 99, 1, 3),
		fuzzRec(0, HeaderLen+100, needsCsum, 0xffff, 0xffff, 1, 4),
		fuzzRec(0, bufLen, needsCsum, 2030, 10, 2, 5), fuzzRec(0, 20, 0, 0, 0, 0, 6)))
	f.Add(join(fuzzRec(0, HeaderLen+60, 0, 0, 0, 0, 1)))               // num_buffers 0
	f.Add(join(fuzzRec(0, HeaderLen+60, 0, 0, 0, fuzzQueue+1, 1)))     // num_buffers > queue
	f.Add(join(fuzzRec(0, HeaderLen+60, 0, 0, 0, fuzzQueue, 1), recv)) // waiting for 7 more
	f.Add(join(fuzzRec(14, 0, 0, 0, 0, 0, 0)))                         // too long
	f.Add(join(fuzzRec(0, 100, 0, 0, 0, 1, 1), fuzzRec(12, 100, 0, 0, 0, 0, 0)))
	f.Add(join(fuzzRec(0, 100, 0, 0, 0, 1, 1), fuzzRec(13, 0, 0, 0, 0, 0, 0)))
	f.Add(join(fuzzRec(0, 0, 0, 0, 0, 1, 1), fuzzRec(0, 5, 0, 0, 0, 1, 1), fuzzRec(0, HeaderLen, 0, 0, 0, 1, 1), fuzzRec(0, HeaderLen+1, 0, 0, 0, 1, 1)))

	f.Fuzz(func(t *testing.T, data []byte) {
		tr := newFakeTransport()
		tr.offered = virtio.FeatureVersion1 | FeatureMrgRxbuf | FeatureGuestCsum
		tr.queueMax = map[int]uint16{0: fuzzQueue, 1: 2}
		n := newNetDevice(t, tr)
		rxq := tr.queues[0]
		var (
			segs     []segment
			next     int  // first segment not yet delivered
			mustFail bool // the device did something Receive must report
			lastID   = -1 // id returned since the last Receive, for action 12
		)
		// receive runs Receive and checks what it delivered; false once
		// the driver reported the device broken.
		receive := func() bool {
			var got [][]byte
			cnt, err := n.d.Receive(func(f []byte) { got = append(got, bytes.Clone(f)) })
			lastID = -1
			for _, f := range got {
				k, ok := matchFrame(segs, next, f)
				if !ok {
					t.Fatalf("delivered a %d-byte frame % x... that is not what the device wrote (from segment %d of %d)", len(f), f[:min(len(f), 16)], next, len(segs))
				}
				next = k
			}
			if err != nil {
				if !errors.Is(err, virtio.ErrDevice) {
					t.Fatalf("Receive() error %v, want one wrapping virtio.ErrDevice", err)
				}
				if sent, err := n.d.Transmit(frame(1, 60)); sent != 0 || !errors.Is(err, virtio.ErrDevice) {
					t.Fatalf("Transmit() after a device error = %d, %v, want 0, virtio.ErrDevice", sent, err)
				}
				return false
			}
			if mustFail {
				t.Fatalf("Receive() after an invalid used entry = %d, nil, want virtio.ErrDevice", cnt)
			}
			if cnt != len(got) {
				t.Fatalf("Receive() = %d, but delivered %d frames", cnt, len(got))
			}
			if rxq.InFlight() != fuzzQueue || n.rx.pending() != fuzzQueue {
				t.Fatalf("after Receive: RX InFlight() = %d, device sees %d buffers, want %d, %d", rxq.InFlight(), n.rx.pending(), fuzzQueue, fuzzQueue)
			}
			return true
		}
		// take gets a buffer for the device, letting the driver recycle
		// some if it has none left.
		take := func() (uint16, []byte, bool) {
			if n.rx.pending() == 0 && !receive() {
				return 0, nil, false
			}
			id, d := n.rx.take()
			return id, n.dma.resolve(d.addr, int(d.len)), true
		}
		for i := 0; len(data) >= fuzzRecord && i < 64; i++ {
			r := data[:fuzzRecord]
			data = data[fuzzRecord:]
			switch a := r[0] % 16; {
			case a <= 9:
				id, buf, ok := take()
				if !ok {
					return
				}
				length := int(binary.LittleEndian.Uint16(r[1:])) % (bufLen + 33)
				if length > bufLen {
					mustFail = true
				}
				content := make([]byte, min(length, bufLen))
				for j := range content {
					content[j] = r[10] + byte(j*7+len(segs)*13)
				}
				h := netHdr(r[3], binary.LittleEndian.Uint16(r[4:]), binary.LittleEndian.Uint16(r[6:]), binary.LittleEndian.Uint16(r[8:]))
				if r[11]&1 != 0 {
					h[hdrCsumStart+1] = 0
				}
				if r[11]&2 != 0 {
					h[hdrCsumOffset] %= 32
					h[hdrCsumOffset+1] = 0
				}
				if r[11]&4 != 0 {
					h[hdrNumBuffers] %= 11
					h[hdrNumBuffers+1] = 0
				}
				copy(content, h)
				copy(buf, content)
				segs = append(segs, segment{content})
				n.rx.complete(id, uint32(length))
				lastID = int(id)
			case a == 12:
				id := uint32(fuzzQueue) + uint32(r[1]) // out of range
				if lastID >= 0 {
					id = uint32(lastID) // returned twice
				}
				n.rx.putUsed(id, uint32(r[2]))
				n.rx.setUsedIdx(n.rx.usedIdx + 1)
				mustFail = true
			case a == 13:
				n.rx.setUsedIdx(n.rx.usedIdx + fuzzQueue + 1 + uint16(r[1]))
				mustFail = true
			case a == 14:
				id, _, ok := take()
				if !ok {
					return
				}
				n.rx.complete(id, bufLen+1+uint32(r[1]))
				mustFail = true
			default:
				if !receive() {
					return
				}
			}
		}
		if !receive() {
			return
		}
		// Still working: frames now come through. A frame still waiting
		// for its later buffers takes at most fuzzQueue-1 of these.
		var markers [][]byte
		for i := range fuzzQueue {
			m := append(netHdr(0, 0, 0, 1), frame(0x100+i, 60)...)
			markers = append(markers, m[HeaderLen:])
			b := n.rxPut(m)
			segs = append(segs, segment{m})
			n.rx.complete(b.id, b.length)
		}
		var got [][]byte
		if _, err := n.d.Receive(func(f []byte) { got = append(got, bytes.Clone(f)) }); err != nil {
			t.Fatalf("Receive() of %d good frames = %v", fuzzQueue, err)
		}
		if len(got) == 0 || !bytes.Equal(got[len(got)-1], markers[fuzzQueue-1]) {
			t.Fatalf("after the fuzzed input, %d good frames gave %d frames, the last not the last good one", fuzzQueue, len(got))
		}
		for _, f := range got {
			k, ok := matchFrame(segs, next, f)
			if !ok {
				t.Fatalf("delivered a %d-byte frame that is not what the device wrote", len(f))
			}
			next = k
		}
		if sent, err := n.d.Transmit(frame(2, 60)); sent != 1 || err != nil {
			t.Fatalf("Transmit() on a working device = %d, %v, want 1, nil", sent, err)
		}
	})
}
