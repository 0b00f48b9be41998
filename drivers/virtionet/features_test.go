package virtionet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"unigo/drivers/virtio"
)

// The device's side of the split-ring fields that the tests below look
// at, written from §2.7.6-§2.7.8 rather than from package virtio: the
// available ring's flags and index, used_event after the available
// ring's entries, avail_event after the used ring's.
func (q *devQueue) availFlags() uint16 { return binary.LittleEndian.Uint16(q.mem[q.avail:]) }
func (q *devQueue) availIdx() uint16   { return binary.LittleEndian.Uint16(q.mem[q.avail+2:]) }
func (q *devQueue) usedEvent() uint16 {
	return binary.LittleEndian.Uint16(q.mem[q.avail+4+2*int(q.size):])
}
func (q *devQueue) setAvailEvent(v uint16) {
	binary.LittleEndian.PutUint16(q.mem[q.used+4+8*int(q.size):], v)
}

// needEvent is the spec's vring_need_event (§2.7.10.2): whether moving
// an index from old to new passes event.
func needEvent(event, new, old uint16) bool { return new-event-1 < new-old }

// wouldInterrupt reports whether the device, using one more buffer
// (used index usedIdx → usedIdx+1), would interrupt the driver under
// the rules negotiated: used_event with EVENT_IDX (§2.7.7.2),
// VIRTQ_AVAIL_F_NO_INTERRUPT (flags bit 0) otherwise.
func (q *devQueue) wouldInterrupt(eventIdx bool) bool {
	if eventIdx {
		return needEvent(q.usedEvent(), q.usedIdx+1, q.usedIdx)
	}
	return q.availFlags()&1 == 0
}

// newNetDeviceOffering is newNetDevice on a transport offering VERSION_1
// and features.
func newNetDeviceOffering(t testing.TB, features uint64) *netDevice {
	t.Helper()
	tr := newFakeTransport()
	tr.offered = virtio.FeatureVersion1 | features
	return newNetDevice(t, tr)
}

var optionalFeatures = []struct {
	name string
	bit  uint64
}{
	{"CSUM", FeatureCsum},
	{"GUEST_CSUM", FeatureGuestCsum},
	{"MTU", FeatureMTU},
	{"MAC", FeatureMAC},
	{"MRG_RXBUF", FeatureMrgRxbuf},
	{"STATUS", FeatureStatus},
	{"EVENT_IDX", virtio.FeatureEventIdx},
}

// Each optional feature is accepted when, and only when, it is offered.
func TestNegotiateEachFeature(t *testing.T) {
	var all uint64
	for _, f := range optionalFeatures {
		all |= f.bit
	}
	if all != wanted {
		t.Errorf("the features under test %#x differ from the driver's wanted %#x", all, uint64(wanted))
	}
	for _, f := range optionalFeatures {
		t.Run(f.name, func(t *testing.T) {
			for _, tc := range []struct {
				offered, want uint64
			}{
				{virtio.FeatureVersion1 | f.bit, virtio.FeatureVersion1 | f.bit},
				{^uint64(0) &^ f.bit, virtio.FeatureVersion1 | all&^f.bit},
				{virtio.FeatureVersion1 | all&^f.bit, virtio.FeatureVersion1 | all&^f.bit},
			} {
				tr := newFakeTransport()
				tr.offered = tc.offered
				n := newNetDevice(t, tr)
				if tr.accepted != tc.want {
					t.Errorf("offered %#x: accepted = %#x, want %#x", tc.offered, tr.accepted, tc.want)
				}
				if got := n.d.Features(); got != tc.want {
					t.Errorf("offered %#x: Features() = %#x, want %#x", tc.offered, got, tc.want)
				}
				if got, want := n.d.OffloadsTxCsum(), tc.want&FeatureCsum != 0; got != want {
					t.Errorf("offered %#x: OffloadsTxCsum() = %v, want %v", tc.offered, got, want)
				}
				// VERSION_1: a 12-byte header on every frame (§5.1.6).
				n.d.Transmit(frame(1, 60))
				_, d := n.tx.take()
				if d.len != HeaderLen+60 {
					t.Errorf("offered %#x: TX descriptor of a 60-byte frame is %d bytes, want %d", tc.offered, d.len, HeaderLen+60)
				}
			}
		})
	}
}

// Features the driver cannot use are never accepted, whatever else is offered.
func TestNegotiateUnwanted(t *testing.T) {
	for _, f := range []struct {
		name string
		bit  uint64
	}{
		{"CTRL_GUEST_OFFLOADS", 1 << 2},
		{"GSO", 1 << 6},
		{"GUEST_TSO4", 1 << 7},
		{"GUEST_TSO6", 1 << 8},
		{"GUEST_ECN", 1 << 9},
		{"GUEST_UFO", 1 << 10},
		{"HOST_TSO4", 1 << 11},
		{"HOST_TSO6", 1 << 12},
		{"HOST_UFO", 1 << 14},
		{"CTRL_VQ", 1 << 17},
		{"MQ", 1 << 22},
		{"INDIRECT_DESC", 1 << 28},
		{"ACCESS_PLATFORM", 1 << 33},
		{"RING_PACKED", 1 << 34},
	} {
		for _, others := range []uint64{virtio.FeatureVersion1, virtio.FeatureVersion1 | wanted} {
			tr := newFakeTransport()
			tr.offered = others | f.bit
			newNetDevice(t, tr)
			if tr.accepted&f.bit != 0 {
				t.Errorf("offered %s with %#x: accepted = %#x, want without bit %#x", f.name, others, tr.accepted, f.bit)
			}
			if tr.accepted != others {
				t.Errorf("offered %s with %#x: accepted = %#x, want %#x", f.name, others, tr.accepted, others)
			}
		}
	}
}

func TestMTU(t *testing.T) {
	const clamp = bufLen - HeaderLen - ethHeader // 2022: what a 2048-byte buffer holds
	tests := []struct {
		offer   bool
		mtu     uint16
		want    int
		wantErr bool
	}{
		{true, 1500, 1500, false},
		{true, 1400, 1400, false}, // 0x0578: byte-swapped it would be 30725
		{true, 300, 300, false},   // 0x012c
		{true, 1280, 1280, false},
		{true, 68, 68, false},
		{true, 67, 0, true},
		{true, 1, 0, true},
		{true, 0, 0, true},
		{true, clamp, clamp, false},
		{true, clamp + 1, clamp, false},
		{true, 9000, clamp, false},
		{true, 65535, clamp, false},
		// Without the feature the config field is not the driver's business.
		{false, 9000, 1500, false},
		{false, 0, 1500, false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("offered=%v,mtu=%d", tt.offer, tt.mtu)
		t.Run(name, func(t *testing.T) {
			tr := newFakeTransport()
			if tt.offer {
				tr.offered |= FeatureMTU
			}
			tr.setMTU(tt.mtu)
			dma := newFakeDMA(t)
			d, err := New(tr, dma.alloc)
			if tt.wantErr {
				if err == nil || d != nil {
					t.Fatalf("New() with MTU %d = %v, %v, want nil and an error", tt.mtu, d, err)
				}
				if last := tr.statusLog[len(tr.statusLog)-1]; last != virtio.StatusFailed {
					t.Errorf("last SetStatus = %d (sequence %v), want FAILED (%d)", last, tr.statusLog, virtio.StatusFailed)
				}
				if slices.ContainsFunc(tr.statusLog, func(s uint8) bool { return s&virtio.StatusDriverOK != 0 }) {
					t.Errorf("SetStatus sequence %v sets DRIVER_OK, want never", tr.statusLog)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() with MTU %d: %v", tt.mtu, err)
			}
			if d.MTU != tt.want {
				t.Errorf("MTU = %d, want %d", d.MTU, tt.want)
			}
			n := &netDevice{t: t, tr: tr, dma: dma, d: d, rx: newDevQueue(t, dma, tr.queues[0]), tx: newDevQueue(t, dma, tr.queues[1])}
			// A frame of MTU+14 bytes goes out; one byte more is dropped.
			big, over := frame(1, tt.want+ethHeader), frame(2, tt.want+ethHeader+1)
			if sent, err := n.d.Transmit(big, over, frame(3, 60)); sent != 3 || err != nil {
				t.Errorf("Transmit(%d, %d, 60 bytes) = %d, %v, want 3, nil", len(big), len(over), sent, err)
			}
			if n.d.Stats.TxDropped != 1 || n.d.Stats.TxPackets != 2 {
				t.Errorf("TxDropped, TxPackets = %d, %d, want 1, 2", n.d.Stats.TxDropped, n.d.Stats.TxPackets)
			}
			for _, want := range [][]byte{big, frame(3, 60)} {
				if _, _, got := n.sent(); !bytes.Equal(got, want) {
					t.Errorf("device read %d bytes, want the %d-byte frame", len(got), len(want))
				}
			}
			if n.tx.pending() != 0 {
				t.Errorf("device sees %d more TX buffers, want 0", n.tx.pending())
			}
		})
	}
}

func TestLinkUp(t *testing.T) {
	tests := []struct {
		status bool
		cfg    byte // low byte of the status field
		want   bool
	}{
		{true, 1, true},
		{true, 0, false},
		{true, 3, true},     // LINK_UP | ANNOUNCE
		{true, 2, false},    // ANNOUNCE only
		{true, 0xfe, false}, // everything but LINK_UP
		{false, 0, true},    // without STATUS the link is assumed up
		{false, 1, true},
	}
	for _, tt := range tests {
		tr := newFakeTransport()
		tr.offered = virtio.FeatureVersion1
		if tt.status {
			tr.offered |= FeatureStatus
		}
		tr.config[cfgStatus] = tt.cfg
		n := newNetDevice(t, tr)
		reads := tr.configReads
		if got := n.d.LinkUp(); got != tt.want {
			t.Errorf("LinkUp() with STATUS=%v, status %#x = %v, want %v", tt.status, tt.cfg, got, tt.want)
		}
		if !tt.status && tr.configReads != reads {
			t.Errorf("LinkUp() without STATUS read the configuration %d times, want 0", tr.configReads-reads)
		}
	}
	// The status is read each time: the link may come and go.
	n := newNetDeviceOffering(t, FeatureStatus)
	for _, v := range []byte{1, 0, 1} {
		n.tr.config[cfgStatus] = v
		if got, want := n.d.LinkUp(), v == 1; got != want {
			t.Errorf("LinkUp() after the device set status %d = %v, want %v", v, got, want)
		}
	}
}

// With EVENT_IDX the driver notifies the transmit queue only when the
// published entries pass the device's avail_event (§2.7.10.2); without,
// avail_event means nothing and every Transmit notifies.
func TestEventIdxTransmitNotify(t *testing.T) {
	for _, eventIdx := range []bool{false, true} {
		t.Run(fmt.Sprintf("EVENT_IDX=%v", eventIdx), func(t *testing.T) {
			var features uint64
			if eventIdx {
				features = virtio.FeatureEventIdx
			}
			n := newNetDeviceOffering(t, features)
			seq := 0
			send := func(k int) int {
				t.Helper()
				before := n.tr.notify[1]
				var fs [][]byte
				for range k {
					fs = append(fs, frame(seq, 60))
					seq++
				}
				if sent, err := n.d.Transmit(fs...); sent != k || err != nil {
					t.Fatalf("Transmit(%d frames) = %d, %v", k, sent, err)
				}
				for _, f := range fs {
					id, _, got := n.sent()
					if !bytes.Equal(got, f) {
						t.Fatalf("device read % x..., want % x...", got[:4], f[:4])
					}
					n.tx.complete(id, 0)
				}
				return n.tr.notify[1] - before
			}
			tests := []struct {
				name       string
				availEvent uint16 // set by the device before the Transmit; 0xffff: leave
				frames     int
				want       int // notifications with EVENT_IDX
			}{
				{"avail_event 0, first entry", 0, 1, 1},
				{"avail_event far ahead", 100, 1, 0},
				{"still far ahead", 0xffff, 2, 0},
				{"avail_event at the current index", 4, 1, 1}, // entries 0..3 published so far
				{"avail_event already passed", 2, 1, 0},
				{"avail_event inside a batch", 7, 3, 1},      // entries 6, 7, 8
				{"avail_event just after a batch", 12, 3, 0}, // entries 9, 10, 11
				{"avail_event reached", 0xffff, 1, 1},        // entry 12
			}
			for _, tt := range tests {
				if tt.availEvent != 0xffff {
					n.tx.setAvailEvent(tt.availEvent)
				}
				want := tt.want
				if !eventIdx {
					want = 1
				}
				if got := send(tt.frames); got != want {
					t.Errorf("%s: Transmit(%d frames) notified %d times, want %d", tt.name, tt.frames, got, want)
				}
			}
			// The transmit queue never asks for interrupts: with EVENT_IDX
			// by keeping used_event out of reach and the flags 0
			// (§2.7.7.1), without by VIRTQ_AVAIL_F_NO_INTERRUPT.
			if got, want := n.tx.availFlags(), map[bool]uint16{false: 1, true: 0}[eventIdx]; got != want {
				t.Errorf("TX available ring flags = %#x, want %#x", got, want)
			}
			if n.tx.wouldInterrupt(eventIdx) {
				t.Errorf("the device would interrupt for a sent frame (used_event %d, used idx %d)", n.tx.usedEvent(), n.tx.usedIdx)
			}
			// And so across the 16-bit wrap of the indexes.
			for i := range 66000 {
				if sent, err := n.d.Transmit(frame(i, 60)); sent != 1 || err != nil {
					t.Fatalf("Transmit #%d = %d, %v", i, sent, err)
				}
				id, _ := n.tx.take()
				if n.tx.wouldInterrupt(eventIdx) {
					t.Fatalf("frame %d: the device would interrupt for a sent frame (used_event %d, used idx %d)", i, n.tx.usedEvent(), n.tx.usedIdx)
				}
				n.tx.complete(id, 0)
			}
		})
	}
}

// Receive notifies the receive queue of re-posted buffers under the
// same rules.
func TestEventIdxReceiveNotify(t *testing.T) {
	for _, eventIdx := range []bool{false, true} {
		var features uint64
		if eventIdx {
			features = virtio.FeatureEventIdx
		}
		n := newNetDeviceOffering(t, features)
		if n.tr.notify[0] != 1 {
			t.Fatalf("EVENT_IDX=%v: New notified queue 0 %d times, want 1", eventIdx, n.tr.notify[0])
		}
		for i, tt := range []struct {
			availEvent uint16
			want       int
		}{
			{1000, 0}, // far ahead
			{257, 1},  // the entry Receive is about to publish (256 posted by New)
			{2000, 0},
			{259, 1},
		} {
			n.rx.setAvailEvent(tt.availEvent)
			n.receive(frame(i, 60))
			before := n.tr.notify[0]
			got, err := collect(n.d)
			if err != nil || len(got) != 1 || !bytes.Equal(got[0], frame(i, 60)) {
				t.Fatalf("EVENT_IDX=%v: Receive() = %d frames, %v, want the frame", eventIdx, len(got), err)
			}
			want := tt.want
			if !eventIdx {
				want = 1
			}
			if got := n.tr.notify[0] - before; got != want {
				t.Errorf("EVENT_IDX=%v: Receive() with avail_event %d, available index %d notified %d times, want %d", eventIdx, tt.availEvent, n.rx.availIdx(), got, want)
			}
		}
		if eventIdx && n.rx.availFlags() != 0 {
			t.Errorf("RX available ring flags with EVENT_IDX = %#x, want 0", n.rx.availFlags())
		}
	}
}

// DisableRxInterrupts/EnableRxInterrupts as the network link uses them:
// disable, poll until nothing comes, enable, and poll again if frames
// came meanwhile.
func TestRxInterruptControl(t *testing.T) {
	for _, eventIdx := range []bool{false, true} {
		t.Run(fmt.Sprintf("EVENT_IDX=%v", eventIdx), func(t *testing.T) {
			var features uint64
			if eventIdx {
				features = virtio.FeatureEventIdx
			}
			n := newNetDeviceOffering(t, features)
			checkMode := func(when string, wantIntr bool) {
				t.Helper()
				if got := n.rx.wouldInterrupt(eventIdx); got != wantIntr {
					t.Errorf("%s: device would interrupt for the next frame = %v, want %v (flags %#x, used_event %d, used idx %d)",
						when, got, wantIntr, n.rx.availFlags(), n.rx.usedEvent(), n.rx.usedIdx)
				}
				var wantFlags uint16
				if !eventIdx && !wantIntr {
					wantFlags = 1 // VIRTQ_AVAIL_F_NO_INTERRUPT
				}
				if got := n.rx.availFlags(); got != wantFlags {
					t.Errorf("%s: RX available ring flags = %#x, want %#x", when, got, wantFlags)
				}
			}
			seq := 0
			arrive := func(k int) {
				for range k {
					if n.rx.wouldInterrupt(eventIdx) {
						t.Errorf("frame %d arrived with interrupts disabled and would interrupt", seq)
					}
					n.receive(frame(seq, 60+seq))
					seq++
				}
			}
			recv := func(want int) {
				t.Helper()
				got, err := collect(n.d)
				if err != nil || len(got) != want {
					t.Fatalf("Receive() = %d frames, %v, want %d, nil", len(got), err, want)
				}
			}
			checkMode("after New", true)
			n.d.DisableRxInterrupts()
			checkMode("after DisableRxInterrupts", false)
			n.d.DisableRxInterrupts() // idempotent
			checkMode("after DisableRxInterrupts twice", false)
			arrive(3)
			recv(3)
			// Re-posting buffers (Publish) keeps them off as the used index moves.
			checkMode("after Receive with interrupts disabled", false)
			arrive(2)
			if pending := n.d.EnableRxInterrupts(); !pending {
				t.Errorf("EnableRxInterrupts() with 2 frames waiting = false, want true")
			}
			n.d.DisableRxInterrupts()
			checkMode("disabled again", false)
			recv(2)
			recv(0)
			if pending := n.d.EnableRxInterrupts(); pending {
				t.Errorf("EnableRxInterrupts() with nothing waiting = true, want false")
			}
			checkMode("after EnableRxInterrupts", true)
			if eventIdx && n.rx.usedEvent() != n.rx.usedIdx {
				t.Errorf("RX used_event after EnableRxInterrupts = %d, want the used index %d", n.rx.usedEvent(), n.rx.usedIdx)
			}
			// The frame that arrives now interrupts, and is reported.
			n.receive(frame(seq, 60))
			seq++
			n.d.DisableRxInterrupts()
			if pending := n.d.EnableRxInterrupts(); !pending {
				t.Errorf("EnableRxInterrupts() after a frame arrived = false, want true")
			}
			recv(1)
			// Interrupts stay off for as long as the driver polls, even
			// across the 16-bit wrap of the used index: with EVENT_IDX,
			// used_event must follow the driver as it takes buffers.
			n.d.DisableRxInterrupts()
			for i := 0; i < 66000/60; i++ {
				for range 60 {
					if n.rx.wouldInterrupt(eventIdx) {
						t.Fatalf("polling, frame %d would interrupt (used_event %d, used idx %d)", seq, n.rx.usedEvent(), n.rx.usedIdx)
					}
					n.receive(frame(seq, 60))
					seq++
				}
				recv(60)
			}
			if pending := n.d.EnableRxInterrupts(); pending {
				t.Fatalf("EnableRxInterrupts() after draining = true, want false")
			}
			// Short cycles, as under light load, across another wrap.
			for i := 0; i < 70000/64; i++ {
				n.d.DisableRxInterrupts()
				for range 64 {
					if n.rx.wouldInterrupt(eventIdx) {
						t.Fatalf("cycle %d: a frame with interrupts disabled would interrupt (used_event %d, used idx %d)", i, n.rx.usedEvent(), n.rx.usedIdx)
					}
					n.receive(frame(seq, 60))
					seq++
				}
				recv(64)
				if pending := n.d.EnableRxInterrupts(); pending {
					t.Fatalf("cycle %d: EnableRxInterrupts() after draining = true, want false", i)
				}
				if !n.rx.wouldInterrupt(eventIdx) {
					t.Fatalf("cycle %d: after EnableRxInterrupts the next frame would not interrupt (used_event %d, used idx %d)", i, n.rx.usedEvent(), n.rx.usedIdx)
				}
			}
			if n.d.Stats.RxPackets != uint64(seq) {
				t.Errorf("RxPackets = %d, want %d", n.d.Stats.RxPackets, seq)
			}
		})
	}
}
