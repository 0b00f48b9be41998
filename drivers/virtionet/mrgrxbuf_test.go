package virtionet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"unigo/drivers/virtio"
)

// netHdr is a struct virtio_net_hdr (§5.1.6) as a device writes it.
func netHdr(flags byte, csumStart, csumOffset, numBuffers uint16) []byte {
	h := make([]byte, HeaderLen)
	h[hdrFlags] = flags
	binary.LittleEndian.PutUint16(h[hdrCsumStart:], csumStart)
	binary.LittleEndian.PutUint16(h[hdrCsumOffset:], csumOffset)
	binary.LittleEndian.PutUint16(h[hdrNumBuffers:], numBuffers)
	return h
}

// usedBuf is a receive buffer the device has written but not yet
// returned.
type usedBuf struct {
	id     uint16
	length uint32
	addr   uint64
}

// rxPut takes the next receive buffer and writes b at its start.
func (n *netDevice) rxPut(b []byte) usedBuf {
	n.t.Helper()
	id, d := n.rx.take()
	if d.flags != 2 || d.len != bufLen {
		n.t.Fatalf("RX descriptor %d = %+v, want flags WRITE (2) and length %d", id, d, bufLen)
	}
	copy(n.dma.resolve(d.addr, int(d.len)), b)
	return usedBuf{id, uint32(len(b)), d.addr}
}

// buffersFor is how many receive buffers a frame of n bytes takes with
// MRG_RXBUF: the first holds the header and bufLen-HeaderLen bytes, each
// later one bufLen bytes (§5.1.6.4).
func buffersFor(n int) int {
	if n <= bufLen-HeaderLen {
		return 1
	}
	return 1 + (n-(bufLen-HeaderLen)+bufLen-1)/bufLen
}

// fillMerged writes frame as a device does with MRG_RXBUF: hdr (with
// num_buffers set to the count) and as much of the frame as fits in the
// first buffer, the rest in as many later buffers as it takes. The
// buffers are returned uncompleted.
func (n *netDevice) fillMerged(hdr, frame []byte) []usedBuf {
	n.t.Helper()
	k := buffersFor(len(frame))
	h := bytes.Clone(hdr)
	binary.LittleEndian.PutUint16(h[hdrNumBuffers:], uint16(k))
	first := min(len(frame), bufLen-HeaderLen)
	bufs := []usedBuf{n.rxPut(append(h, frame[:first]...))}
	for rest := frame[first:]; len(rest) > 0; {
		m := min(len(rest), bufLen)
		bufs = append(bufs, n.rxPut(rest[:m]))
		rest = rest[m:]
	}
	if len(bufs) != k {
		n.t.Fatalf("a %d-byte frame took %d buffers, want %d", len(frame), len(bufs), k)
	}
	return bufs
}

func (n *netDevice) completeAll(bufs []usedBuf) {
	for _, b := range bufs {
		n.rx.complete(b.id, b.length)
	}
}

// checkRecycled checks that every receive buffer is back with the
// device, and that they are size distinct buffers.
func (n *netDevice) checkRecycled(when string) {
	n.t.Helper()
	rxq := n.tr.queues[0]
	size := int(rxq.Size())
	if got := rxq.InFlight(); got != size {
		n.t.Errorf("%s: RX InFlight() = %d, want %d", when, got, size)
	}
	if got := n.rx.pending(); got != size {
		n.t.Fatalf("%s: the device sees %d RX buffers, want all %d", when, got, size)
	}
	addrs := map[uint64]bool{}
	var taken []usedBuf
	for range size {
		id, d := n.rx.take()
		if d.flags != 2 || d.len != bufLen || addrs[d.addr] {
			n.t.Errorf("%s: RX descriptor %d = %+v, want a distinct WRITE buffer of %d bytes", when, id, d, bufLen)
		}
		addrs[d.addr] = true
		taken = append(taken, usedBuf{id, 0, d.addr})
	}
	// Give them back unused (zero length: dropped) so the test can go on.
	for _, b := range taken {
		n.rx.complete(b.id, 0)
	}
	dropped := n.d.Stats.RxDropped
	if got, err := collect(n.d); err != nil || len(got) != 0 {
		n.t.Fatalf("%s: Receive() of %d empty buffers = %d frames, %v, want 0, nil", when, size, len(got), err)
	}
	n.d.Stats.RxDropped = dropped
}

// A frame spanning buffers is delivered whole, in order with single-buffer
// neighbours, and every buffer goes back to the device.
func TestMergedReceive(t *testing.T) {
	for _, size := range []int{60, bufLen - HeaderLen, bufLen - HeaderLen + 1, 2*bufLen - HeaderLen, 2*bufLen - HeaderLen + 1, 5000, 9014, maxRxFrame} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			n := newNetDeviceOffering(t, FeatureMrgRxbuf)
			before, big, after := frame(1, 60), frame(2, size), frame(3, 1514)
			var bufs []usedBuf
			bufs = append(bufs, n.fillMerged(netHdr(0, 0, 0, 0), before)...)
			mid := n.fillMerged(netHdr(0, 0, 0, 0), big)
			bufs = append(bufs, mid...)
			bufs = append(bufs, n.fillMerged(netHdr(0, 0, 0, 0), after)...)
			n.completeAll(bufs)
			got, err := collect(n.d)
			if err != nil {
				t.Fatalf("Receive() error: %v", err)
			}
			want := [][]byte{before, big, after}
			if len(got) != len(want) {
				t.Fatalf("Receive() delivered %d frames, want 3 (60, %d, 1514 bytes)", len(got), size)
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d = %d bytes, want %d bytes intact", i, len(got[i]), len(want[i]))
				}
			}
			wantMerged := uint64(0)
			if len(mid) > 1 {
				wantMerged = 1
			}
			if n.d.Stats.RxMerged != wantMerged || n.d.Stats.RxPackets != 3 || n.d.Stats.RxDropped != 0 {
				t.Errorf("RxMerged, RxPackets, RxDropped = %d, %d, %d, want %d, 3, 0", n.d.Stats.RxMerged, n.d.Stats.RxPackets, n.d.Stats.RxDropped, wantMerged)
			}
			n.checkRecycled("after merged frames")
		})
	}
}

// Many merged frames through a small queue: buffers keep cycling.
func TestMergedReceiveCycles(t *testing.T) {
	tr := newFakeTransport()
	tr.offered = virtio.FeatureVersion1 | FeatureMrgRxbuf
	tr.queueMax[0] = 8
	n := newNetDevice(t, tr)
	for i := range 50 {
		f := frame(i, 1+(i*3001)%(8*bufLen-HeaderLen))
		n.completeAll(n.fillMerged(netHdr(0, 0, 0, 0), f))
		got, err := collect(n.d)
		if err != nil || len(got) != 1 || !bytes.Equal(got[0], f) {
			t.Fatalf("frame %d (%d bytes, %d buffers): Receive() = %d frames, %v, want it intact", i, len(f), buffersFor(len(f)), len(got), err)
		}
		if n.rx.pending() != 8 {
			t.Fatalf("frame %d: the device sees %d RX buffers, want 8", i, n.rx.pending())
		}
	}
	n.checkRecycled("after 50 frames")
}

// The later buffers of a merged frame may come after Receive returned: the
// frame is delivered, whole, by the call that sees its last buffer, and
// the buffers already taken go back to the device meanwhile.
func TestMergedReceiveAcrossCalls(t *testing.T) {
	for _, split := range []int{1, 2} { // buffers of the big frame seen by the first call
		t.Run(fmt.Sprintf("split after %d", split), func(t *testing.T) {
			n := newNetDeviceOffering(t, FeatureMrgRxbuf)
			a, big, c := frame(1, 100), frame(2, 5000), frame(3, 200)
			bufA := n.fillMerged(netHdr(0, 0, 0, 0), a)
			bufBig := n.fillMerged(netHdr(0, 0, 0, 0), big)
			bufC := n.fillMerged(netHdr(0, 0, 0, 0), c)
			if len(bufBig) != 3 {
				t.Fatalf("5000 bytes took %d buffers, want 3", len(bufBig))
			}
			n.completeAll(bufA)
			n.completeAll(bufBig[:split])
			got, err := collect(n.d)
			if err != nil || len(got) != 1 || !bytes.Equal(got[0], a) {
				t.Fatalf("first Receive() = %d frames, %v, want only the 100-byte frame", len(got), err)
			}
			if got := n.tr.queues[0].InFlight(); got != 256 {
				t.Errorf("RX InFlight() with a frame half received = %d, want 256 (its buffers recycled)", got)
			}
			// The device owns the recycled buffers again and may overwrite them.
			for _, b := range bufBig[:split] {
				copy(n.dma.resolve(b.addr, bufLen), bytes.Repeat([]byte{0xee}, bufLen))
			}
			if got, err := collect(n.d); err != nil || len(got) != 0 {
				t.Fatalf("Receive() with nothing new = %d frames, %v, want 0, nil", len(got), err)
			}
			n.completeAll(bufBig[split:])
			n.completeAll(bufC)
			got, err = collect(n.d)
			if err != nil || len(got) != 2 {
				t.Fatalf("second Receive() = %d frames, %v, want 2", len(got), err)
			}
			if !bytes.Equal(got[0], big) {
				t.Errorf("merged frame = %d bytes % x..., want the 5000-byte frame intact", len(got[0]), got[0][:min(8, len(got[0]))])
			}
			if !bytes.Equal(got[1], c) {
				t.Errorf("frame after the merged one = %d bytes, want the 200-byte frame", len(got[1]))
			}
			if n.d.Stats.RxMerged != 1 || n.d.Stats.RxPackets != 3 {
				t.Errorf("RxMerged, RxPackets = %d, %d, want 1, 3", n.d.Stats.RxMerged, n.d.Stats.RxPackets)
			}
			n.checkRecycled("after the split frame")
		})
	}
}

// num_buffers counts buffers in the queue: 0, or more than the queue
// holds, is a broken device (§5.1.6.4); num_buffers equal to the queue
// size is fine.
func TestMergedReceiveBadNumBuffers(t *testing.T) {
	const qsize = 8
	tests := []struct {
		numBuffers uint16
		wantErr    bool
	}{
		{0, true},
		{qsize + 1, true},
		{256, true},
		{0xffff, true},
		{1, false},
		{qsize, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.numBuffers), func(t *testing.T) {
			tr := newFakeTransport()
			tr.offered = virtio.FeatureVersion1 | FeatureMrgRxbuf
			tr.queueMax[0] = qsize
			n := newNetDevice(t, tr)
			var want [][]byte
			if tt.wantErr || tt.numBuffers < qsize { // a frame before it, if there is room
				n.receive(frame(1, 60))
				want = append(want, frame(1, 60))
			}
			bad := frame(2, bufLen-HeaderLen)
			first := n.rxPut(append(netHdr(0, 0, 0, tt.numBuffers), bad...))
			n.rx.complete(first.id, first.length)
			if !tt.wantErr {
				for i := 1; i < int(tt.numBuffers); i++ {
					f := frame(10+i, bufLen)
					b := n.rxPut(f)
					n.rx.complete(b.id, b.length)
					bad = append(bad, f...)
				}
				want = append(want, bad)
			}
			got, err := collect(n.d)
			if tt.wantErr {
				if !errors.Is(err, virtio.ErrDevice) {
					t.Fatalf("Receive() with num_buffers %d = %d frames, %v, want an error wrapping virtio.ErrDevice", tt.numBuffers, len(got), err)
				}
				if sent, err := n.d.Transmit(frame(3, 60)); sent != 0 || !errors.Is(err, virtio.ErrDevice) {
					t.Errorf("Transmit() after a device error = %d, %v, want 0, virtio.ErrDevice", sent, err)
				}
				if err := n.d.Reclaim(); err != nil && !errors.Is(err, virtio.ErrDevice) {
					t.Errorf("Reclaim() after a device error = %v, want nil or virtio.ErrDevice", err)
				}
				return
			}
			if err != nil || len(got) != len(want) {
				t.Fatalf("Receive() with num_buffers %d = %d frames, %v, want %d, nil", tt.numBuffers, len(got), err, len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d = %d bytes, want %d bytes intact", i, len(got[i]), len(want[i]))
				}
			}
			n.checkRecycled("after the frame")
		})
	}
}

// A merged frame longer than 65535+14 bytes is more than any device
// sends (no GSO negotiated): a device error.
func TestMergedReceiveTooLong(t *testing.T) {
	n := newNetDeviceOffering(t, FeatureMrgRxbuf)
	n.completeAll(n.fillMerged(netHdr(0, 0, 0, 0), frame(1, maxRxFrame+1)))
	got, err := collect(n.d)
	if !errors.Is(err, virtio.ErrDevice) || len(got) != 0 {
		t.Fatalf("Receive() of a %d-byte merged frame = %d frames, %v, want 0, virtio.ErrDevice", maxRxFrame+1, len(got), err)
	}
	if sent, err := n.d.Transmit(frame(3, 60)); sent != 0 || !errors.Is(err, virtio.ErrDevice) {
		t.Errorf("Transmit() after a device error = %d, %v, want 0, virtio.ErrDevice", sent, err)
	}
}

// Without MRG_RXBUF, num_buffers is not the driver's business: every
// buffer is one frame.
func TestNumBuffersIgnoredWithoutMrgRxbuf(t *testing.T) {
	n := newNetDeviceOffering(t, 0)
	var want [][]byte
	for i, nb := range []uint16{0, 1, 2, 300, 0xffff} {
		f := frame(i, 100+i)
		b := n.rxPut(append(netHdr(0, 0, 0, nb), f...))
		n.rx.complete(b.id, b.length)
		want = append(want, f)
	}
	got, err := collect(n.d)
	if err != nil || len(got) != len(want) {
		t.Fatalf("Receive() = %d frames, %v, want %d, nil", len(got), err, len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("frame %d = %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
	if n.d.Stats.RxMerged != 0 {
		t.Errorf("RxMerged = %d, want 0", n.d.Stats.RxMerged)
	}
}

// Statistics is a snapshot of Stats.
func TestStatistics(t *testing.T) {
	n := newNetDeviceOffering(t, FeatureMrgRxbuf|FeatureGuestCsum)
	n.completeAll(n.fillMerged(netHdr(0, 0, 0, 0), frame(1, 5000)))
	n.completeAll(n.fillMerged(netHdr(needsCsum, 0, 2, 0), frame(2, 60)))
	n.completeAll(n.fillMerged(netHdr(needsCsum, 0, 60, 0), frame(3, 60))) // dropped
	if _, err := collect(n.d); err != nil {
		t.Fatal(err)
	}
	n.d.Transmit(frame(4, 60), frame(5, 5000))
	want := Statistics{RxPackets: 2, RxDropped: 1, RxCsumCompleted: 1, RxMerged: 1, TxPackets: 1, TxDropped: 1}
	if got := n.d.Statistics(); got != want {
		t.Errorf("Statistics() = %+v, want %+v", got, want)
	}
	if n.d.Stats != want {
		t.Errorf("Stats = %+v, want %+v", n.d.Stats, want)
	}
}
