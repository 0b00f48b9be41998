package virtionet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"unigo/drivers/virtio"
)

// fakeTransport is the transport side of a virtio-net device: it keeps
// the status, the offered and accepted features, the queues it is given
// and the notifications, and logs the order of the initialisation steps.
type fakeTransport struct {
	status           uint8
	statusLog        []uint8
	events           []string // "reset", "status=N", "features?", "features=", "setup N", "notify N"
	refuseFeaturesOK bool
	offered          uint64
	accepted         uint64
	queueMax         map[int]uint16
	queues           map[int]*virtio.Queue
	config           []byte
	configReads      int
	notify           map[int]int
	interrupt        uint32
	acks             int
}

func newFakeTransport() *fakeTransport {
	return &fakeTransport{
		status:   0x55, // whatever the device was left in: Reset must clear it
		offered:  virtio.FeatureVersion1 | FeatureMAC | FeatureStatus | FeatureCsum | FeatureMrgRxbuf,
		queueMax: map[int]uint16{0: 256, 1: 256},
		queues:   map[int]*virtio.Queue{},
		// struct virtio_net_config (§5.1.4): mac, status (LINK_UP),
		// max_virtqueue_pairs (1), mtu (1500), all little-endian.
		config: []byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x01, 0x00, 0x01, 0x00, 0xdc, 0x05},
		notify: map[int]int{},
	}
}

func (f *fakeTransport) Reset() {
	f.events = append(f.events, "reset")
	f.status = 0
}

func (f *fakeTransport) Status() uint8 {
	f.events = append(f.events, "status?")
	return f.status
}

func (f *fakeTransport) SetStatus(s uint8) {
	f.events = append(f.events, fmt.Sprintf("status=%d", s))
	f.statusLog = append(f.statusLog, s)
	if f.refuseFeaturesOK {
		s &^= virtio.StatusFeaturesOK
	}
	f.status = s
}

func (f *fakeTransport) Features() uint64 {
	f.events = append(f.events, "features?")
	return f.offered
}

func (f *fakeTransport) SetFeatures(v uint64) {
	f.events = append(f.events, "features=")
	f.accepted = v
}

func (f *fakeTransport) QueueMax(i int) uint16 { return f.queueMax[i] }

func (f *fakeTransport) SetupQueue(i int, q *virtio.Queue) {
	f.events = append(f.events, fmt.Sprintf("setup %d", i))
	f.queues[i] = q
}

func (f *fakeTransport) Notify(i int) {
	f.events = append(f.events, fmt.Sprintf("notify %d", i))
	f.notify[i]++
}

func (f *fakeTransport) AckInterrupt() uint32 {
	f.acks++
	s := f.interrupt
	f.interrupt = 0
	return s
}

// setMTU sets the configuration's mtu field (le16 at offset 10).
func (f *fakeTransport) setMTU(mtu uint16) { binary.LittleEndian.PutUint16(f.config[10:], mtu) }

func (f *fakeTransport) Config(off int) byte {
	f.configReads++
	if off < 0 || off >= len(f.config) {
		return 0
	}
	return f.config[off]
}

// fakeDMA hands out Go memory at fake physical addresses, one region per
// MiB starting at 1 MiB, filled with garbage as real memory may be.
type fakeDMA struct {
	t       testing.TB
	next    uint64
	regions map[uint64][]byte
	fail    int // fail the fail-th allocation (1-based); 0: never
	allocs  int
}

const dmaStep = 1 << 20

func newFakeDMA(t testing.TB) *fakeDMA {
	return &fakeDMA{t: t, next: 0x100000, regions: map[uint64][]byte{}}
}

func (d *fakeDMA) alloc(n int) ([]byte, uint64, error) {
	d.allocs++
	if d.allocs == d.fail {
		return nil, 0, errors.New("fakeDMA: out of memory")
	}
	if n <= 0 || n > dmaStep {
		d.t.Errorf("DMA(%d): want 0 < n <= %d", n, dmaStep)
		return nil, 0, errors.New("fakeDMA: bad size")
	}
	mem := bytes.Repeat([]byte{0xa5}, n)
	phys := d.next
	d.next += dmaStep
	d.regions[phys] = mem
	return mem, phys, nil
}

// resolve returns the n bytes of device memory at physical address addr.
func (d *fakeDMA) resolve(addr uint64, n int) []byte {
	d.t.Helper()
	base := addr &^ (dmaStep - 1)
	mem, ok := d.regions[base]
	if !ok || addr-base+uint64(n) > uint64(len(mem)) {
		d.t.Fatalf("device access [%#x, %#x) outside any DMA region", addr, addr+uint64(n))
	}
	return mem[addr-base : addr-base+uint64(n)]
}

// devQueue is the device side of one split virtqueue (§2.7), working on
// the memory the driver got from fakeDMA.
type devQueue struct {
	t                  testing.TB
	mem                []byte
	size               uint16
	avail, used        int
	lastAvail, usedIdx uint16
}

type desc struct {
	addr  uint64
	len   uint32
	flags uint16
	next  uint16
}

func newDevQueue(t testing.TB, dma *fakeDMA, q *virtio.Queue) *devQueue {
	t.Helper()
	d, a, u := q.Addresses()
	mem, ok := dma.regions[d]
	if !ok {
		t.Fatalf("queue descriptor table at %#x is not the start of a DMA region", d)
	}
	return &devQueue{t: t, mem: mem, size: q.Size(), avail: int(a - d), used: int(u - d)}
}

func (q *devQueue) pending() int {
	return int(uint16(binary.LittleEndian.Uint16(q.mem[q.avail+2:]) - q.lastAvail))
}

func (q *devQueue) take() (uint16, desc) {
	q.t.Helper()
	if q.pending() == 0 {
		q.t.Fatalf("device: no buffer available")
	}
	id := binary.LittleEndian.Uint16(q.mem[q.avail+4+2*int(q.lastAvail%q.size):])
	q.lastAvail++
	if id >= q.size {
		q.t.Fatalf("device: available descriptor %d >= size %d", id, q.size)
	}
	e := q.mem[16*int(id):]
	return id, desc{
		addr:  binary.LittleEndian.Uint64(e[0:]),
		len:   binary.LittleEndian.Uint32(e[8:]),
		flags: binary.LittleEndian.Uint16(e[12:]),
		next:  binary.LittleEndian.Uint16(e[14:]),
	}
}

func (q *devQueue) putUsed(id, length uint32) {
	e := q.mem[q.used+4+8*int(q.usedIdx%q.size):]
	binary.LittleEndian.PutUint32(e[0:], id)
	binary.LittleEndian.PutUint32(e[4:], length)
}

func (q *devQueue) setUsedIdx(idx uint16) {
	q.usedIdx = idx
	binary.LittleEndian.PutUint16(q.mem[q.used+2:], idx)
}

func (q *devQueue) complete(id uint16, length uint32) {
	q.putUsed(uint32(id), length)
	q.setUsedIdx(q.usedIdx + 1)
}

// netDevice is a fake virtio-net device behind a driver.
type netDevice struct {
	t      testing.TB
	tr     *fakeTransport
	dma    *fakeDMA
	d      *Device
	rx, tx *devQueue
}

func newNetDevice(t testing.TB, tr *fakeTransport) *netDevice {
	t.Helper()
	dma := newFakeDMA(t)
	d, err := New(tr, dma.alloc)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	return &netDevice{t: t, tr: tr, dma: dma, d: d,
		rx: newDevQueue(t, dma, tr.queues[0]), tx: newDevQueue(t, dma, tr.queues[1])}
}

// sent takes the next transmitted buffer and returns its header and frame
// (without completing it).
func (n *netDevice) sent() (uint16, []byte, []byte) {
	n.t.Helper()
	id, d := n.tx.take()
	if d.flags != 0 {
		n.t.Errorf("TX descriptor %d flags = %#x, want 0 (device-readable, no chain)", id, d.flags)
	}
	if d.len < HeaderLen {
		n.t.Fatalf("TX descriptor %d length %d, want >= %d", id, d.len, HeaderLen)
	}
	b := n.dma.resolve(d.addr, int(d.len))
	return id, bytes.Clone(b[:HeaderLen]), bytes.Clone(b[HeaderLen:])
}

// rxHeader is a virtio_net_hdr as a device fills it (num_buffers 1).
var rxHeader = []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}

// fill takes the next receive buffer and writes a header and frame into it,
// returning the id and the length to complete with.
func (n *netDevice) fill(frame []byte) (uint16, uint32) {
	n.t.Helper()
	id, d := n.rx.take()
	if d.flags != 2 || d.len != bufLen {
		n.t.Fatalf("RX descriptor %d = %+v, want flags WRITE (2) and length %d", id, d, bufLen)
	}
	b := n.dma.resolve(d.addr, int(d.len))
	copy(b, rxHeader)
	copy(b[HeaderLen:], frame)
	return id, uint32(HeaderLen + len(frame))
}

// receive delivers frame through the next RX buffer.
func (n *netDevice) receive(frame []byte) {
	n.t.Helper()
	id, length := n.fill(frame)
	n.rx.complete(id, length)
}

// collect runs Receive and returns copies of the frames delivered.
func collect(d *Device) ([][]byte, error) {
	var got [][]byte
	n, err := d.Receive(func(f []byte) { got = append(got, bytes.Clone(f)) })
	if n != len(got) {
		return got, fmt.Errorf("Receive() = %d, but delivered %d frames", n, len(got))
	}
	return got, err
}

func frame(seed, n int) []byte {
	f := make([]byte, n)
	for i := range f {
		f[i] = byte(seed*31 + i*7 + i>>8)
	}
	if n >= 4 {
		binary.BigEndian.PutUint32(f, uint32(seed))
	}
	return f
}

func TestNewNegotiation(t *testing.T) {
	tests := []struct {
		name     string
		offered  uint64
		accepted uint64
		mac      [6]byte
	}{
		// Bit 33 (ACCESS_PLATFORM) is not one the driver wants.
		{"VERSION_1, MAC, STATUS, CSUM, MRG_RXBUF", virtio.FeatureVersion1 | FeatureMAC | FeatureStatus | FeatureCsum | FeatureMrgRxbuf | 1<<33,
			virtio.FeatureVersion1 | FeatureMAC | FeatureStatus | FeatureCsum | FeatureMrgRxbuf, [6]byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}},
		{"VERSION_1 only", virtio.FeatureVersion1,
			virtio.FeatureVersion1, [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
		{"everything", ^uint64(0),
			virtio.FeatureVersion1 | FeatureCsum | FeatureGuestCsum | FeatureMTU | FeatureMAC | FeatureMrgRxbuf | FeatureStatus | virtio.FeatureEventIdx,
			[6]byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport()
			tr.offered = tt.offered
			d, err := New(tr, newFakeDMA(t).alloc)
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if tr.accepted != tt.accepted {
				t.Errorf("accepted features = %#x, want %#x", tr.accepted, tt.accepted)
			}
			if d.MAC != tt.mac {
				t.Errorf("MAC = % x, want % x", d.MAC, tt.mac)
			}
			if tt.accepted&(FeatureMAC|FeatureMTU) == 0 && tr.configReads != 0 {
				t.Errorf("read config %d times without the MAC and MTU features, want 0", tr.configReads)
			}
			if d.Features() != tt.accepted {
				t.Errorf("Features() = %#x, want %#x", d.Features(), tt.accepted)
			}
			const (
				ack = virtio.StatusAcknowledge
				drv = virtio.StatusDriver
				fok = virtio.StatusFeaturesOK
				dok = virtio.StatusDriverOK
			)
			if want := []uint8{ack, ack | drv, ack | drv | fok, ack | drv | fok | dok}; !bytes.Equal(tr.statusLog, want) {
				t.Errorf("SetStatus sequence = %v, want %v", tr.statusLog, want)
			}
			if tr.status != 15 {
				t.Errorf("final status = %d, want 15", tr.status)
			}
			// §3.1.1: reset, ACK, DRIVER, read and write features, FEATURES_OK,
			// check it stuck, set up the queues, DRIVER_OK; notify only after.
			at := func(ev string) int {
				i := slices.Index(tr.events, ev)
				if i < 0 {
					t.Fatalf("no %q in the initialisation %v", ev, tr.events)
				}
				return i
			}
			order := []string{"reset", "status=1", "status=3", "features?", "features=", "status=11", "status?", "setup 0", "status=15", "notify 0"}
			for i := 1; i < len(order); i++ {
				if at(order[i-1]) > at(order[i]) {
					t.Errorf("%q came after %q, want before (events %v)", order[i-1], order[i], tr.events)
				}
			}
			if at("setup 1") > at("status=15") {
				t.Errorf("queue 1 set up after DRIVER_OK (events %v)", tr.events)
			}
			if slices.Index(tr.events, "reset") != 0 {
				t.Errorf("first step %v, want reset", tr.events)
			}
		})
	}
}

func TestNewFails(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeTransport, *fakeDMA)
		// wantFailed: the driver must set FAILED and never DRIVER_OK.
		wantFailed bool
	}{
		{"no VERSION_1", func(tr *fakeTransport, _ *fakeDMA) { tr.offered = FeatureMAC | FeatureStatus }, true},
		{"no features at all", func(tr *fakeTransport, _ *fakeDMA) { tr.offered = 0 }, true},
		{"FEATURES_OK does not stick", func(tr *fakeTransport, _ *fakeDMA) { tr.refuseFeaturesOK = true }, true},
		// §5.1.4.1: a device's MTU is at least 68.
		{"MTU 67", func(tr *fakeTransport, _ *fakeDMA) { tr.offered |= FeatureMTU; tr.setMTU(67) }, true},
		{"MTU 0", func(tr *fakeTransport, _ *fakeDMA) { tr.offered |= FeatureMTU; tr.setMTU(0) }, true},
		{"no RX queue", func(tr *fakeTransport, _ *fakeDMA) { tr.queueMax = map[int]uint16{1: 256} }, false},
		{"no TX queue", func(tr *fakeTransport, _ *fakeDMA) { tr.queueMax = map[int]uint16{0: 256} }, false},
		{"DMA fails for the RX queue", func(_ *fakeTransport, d *fakeDMA) { d.fail = 1 }, false},
		{"DMA fails for the TX queue", func(_ *fakeTransport, d *fakeDMA) { d.fail = 2 }, false},
		{"DMA fails for RX buffers", func(_ *fakeTransport, d *fakeDMA) { d.fail = 3 }, false},
		{"DMA fails for TX buffers", func(_ *fakeTransport, d *fakeDMA) { d.fail = 4 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport()
			dma := newFakeDMA(t)
			tt.setup(tr, dma)
			d, err := New(tr, dma.alloc)
			if err == nil || d != nil {
				t.Fatalf("New() = %v, %v, want nil and an error", d, err)
			}
			if slices.ContainsFunc(tr.statusLog, func(s uint8) bool { return s&virtio.StatusDriverOK != 0 }) {
				t.Errorf("SetStatus sequence %v sets DRIVER_OK, want never", tr.statusLog)
			}
			if tr.notify[0]+tr.notify[1] != 0 {
				t.Errorf("notified %v on a failed device, want nothing", tr.notify)
			}
			if tt.wantFailed {
				if last := tr.statusLog[len(tr.statusLog)-1]; last != virtio.StatusFailed {
					t.Errorf("last SetStatus = %d (sequence %v), want FAILED (%d)", last, tr.statusLog, virtio.StatusFailed)
				}
				if len(tr.queues) != 0 {
					t.Errorf("set up queues %v on a device that failed negotiation", tr.queues)
				}
			}
		})
	}
}

func TestNewFillsRX(t *testing.T) {
	for _, qmax := range []uint16{256, 1024, 32768, 16, 1} {
		tr := newFakeTransport()
		tr.queueMax = map[int]uint16{0: qmax, 1: qmax}
		n := newNetDevice(t, tr)
		size := min(qmax, 256)
		rx, tx := tr.queues[0], tr.queues[1]
		if rx.Size() != size || tx.Size() != size {
			t.Errorf("QueueMax %d: queue sizes %d, %d, want %d", qmax, rx.Size(), tx.Size(), size)
		}
		if got := rx.InFlight(); got != int(size) {
			t.Errorf("QueueMax %d: RX InFlight() = %d, want %d", qmax, got, size)
		}
		if got := tx.InFlight(); got != 0 {
			t.Errorf("QueueMax %d: TX InFlight() = %d, want 0", qmax, got)
		}
		if tr.notify[0] != 1 || tr.notify[1] != 0 {
			t.Errorf("QueueMax %d: notifications %v, want queue 0 once", qmax, tr.notify)
		}
		if got := n.rx.pending(); got != int(size) {
			t.Fatalf("QueueMax %d: device sees %d RX buffers, want %d", qmax, got, size)
		}
		// Every buffer is a distinct, device-writable 2048-byte area.
		addrs := map[uint64]bool{}
		for range size {
			id, d := n.rx.take()
			if d.flags != 2 || d.len != bufLen || d.addr%bufLen != 0 || addrs[d.addr] {
				t.Errorf("QueueMax %d: RX descriptor %d = %+v, want a new WRITE buffer of %d bytes", qmax, id, d, bufLen)
			}
			addrs[d.addr] = true
			n.dma.resolve(d.addr, int(d.len))
		}
	}
}

func TestTransmit(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	tests := [][][]byte{
		{frame(1, 60)},
		{frame(2, 14), frame(3, 1514), frame(4, 0)},
		{frame(5, MaxFrame)},
	}
	for call, frames := range tests {
		before := n.tr.notify[1]
		sent, err := n.d.Transmit(frames...)
		if sent != len(frames) || err != nil {
			t.Fatalf("Transmit(%d frames) = %d, %v, want %d, nil", len(frames), sent, err, len(frames))
		}
		if got := n.tr.notify[1] - before; got != 1 {
			t.Errorf("Transmit #%d notified queue 1 %d times, want 1", call, got)
		}
		for i, f := range frames {
			id, hdr, got := n.sent()
			if !bytes.Equal(hdr, make([]byte, HeaderLen)) {
				t.Errorf("frame %d.%d: header % x, want %d zero bytes", call, i, hdr, HeaderLen)
			}
			if !bytes.Equal(got, f) {
				t.Errorf("frame %d.%d: device read %d bytes % x..., want %d bytes % x...", call, i, len(got), got[:min(len(got), 8)], len(f), f[:min(len(f), 8)])
			}
			n.tx.complete(id, 0)
		}
		if got := n.tx.pending(); got != 0 {
			t.Errorf("after Transmit #%d the device sees %d more buffers, want 0", call, got)
		}
	}
	if got := n.d.Stats.TxPackets; got != 5 {
		t.Errorf("TxPackets = %d, want 5", got)
	}
	if got := n.d.Stats.TxDropped; got != 0 {
		t.Errorf("TxDropped = %d, want 0", got)
	}
}

func TestTransmitOversize(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	// Transmit reports frames consumed: a dropped frame is consumed, not retried.
	sent, err := n.d.Transmit(make([]byte, MaxFrame+1))
	if sent != 1 || err != nil {
		t.Errorf("Transmit(%d bytes) = %d, %v; want 1, nil (dropped)", MaxFrame+1, sent, err)
	}
	if got := n.d.Stats.TxDropped; got != 1 {
		t.Errorf("TxDropped = %d, want 1", got)
	}
	if got := n.d.Stats.TxPackets; got != 0 {
		t.Errorf("TxPackets = %d, want 0", got)
	}
	if n.tr.notify[1] != 0 || n.tx.pending() != 0 || n.tr.queues[1].InFlight() != 0 {
		t.Errorf("an oversize frame reached the device: %d notifications, %d buffers", n.tr.notify[1], n.tx.pending())
	}
	// The frames around it go out.
	sent, err = n.d.Transmit(frame(1, 100), make([]byte, 9000), frame(2, 100))
	if sent != 3 || err != nil || n.d.Stats.TxDropped != 2 || n.d.Stats.TxPackets != 2 {
		t.Errorf("Transmit(100, 9000, 100 bytes) = %d, %v, TxDropped %d, TxPackets %d; want 3, nil, 2, 2", sent, err, n.d.Stats.TxDropped, n.d.Stats.TxPackets)
	}
	for i := 1; i <= 2; i++ {
		if _, _, got := n.sent(); !bytes.Equal(got, frame(i, 100)) {
			t.Errorf("device read frame % x..., want frame %d", got[:4], i)
		}
	}
}

// ErrFull means "no room: retry after Reclaim". An oversize frame is
// dropped, not queued, so retrying it can never succeed: reporting ErrFull
// for it sends a caller that follows the documented contract into an
// endless retry loop.
func TestTransmitOversizeIsNotErrFull(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	if sent, err := n.d.Transmit(make([]byte, MaxFrame+1)); errors.Is(err, ErrFull) {
		t.Errorf("Transmit(%d bytes) with an empty TX queue = %d, %v, want an error other than ErrFull (the queue has room)", MaxFrame+1, sent, err)
	}
}

func TestTransmitFullAndReclaim(t *testing.T) {
	for _, explicit := range []bool{true, false} {
		tr := newFakeTransport()
		tr.queueMax[1] = 4
		n := newNetDevice(t, tr)
		for i := range 4 {
			if sent, err := n.d.Transmit(frame(i, 64)); sent != 1 || err != nil {
				t.Fatalf("Transmit #%d = %d, %v, want 1, nil", i, sent, err)
			}
		}
		if got := tr.queues[1].InFlight(); got != 4 {
			t.Errorf("TX InFlight() = %d, want 4", got)
		}
		notified := tr.notify[1]
		if sent, err := n.d.Transmit(frame(4, 64)); sent != 0 || err != ErrFull {
			t.Errorf("Transmit with 4 of 4 in flight = %d, %v, want 0, ErrFull", sent, err)
		}
		if tr.notify[1] != notified {
			t.Errorf("a Transmit that sent nothing notified queue 1")
		}
		// The device sends two of them.
		for range 2 {
			id, _, _ := n.sent()
			n.tx.complete(id, 0)
		}
		if explicit {
			if err := n.d.Reclaim(); err != nil {
				t.Fatalf("Reclaim() error: %v", err)
			}
			if got := tr.queues[1].InFlight(); got != 2 {
				t.Errorf("TX InFlight() after Reclaim = %d, want 2", got)
			}
		}
		sent, err := n.d.Transmit(frame(5, 64), frame(6, 64), frame(7, 64))
		if sent != 2 || err != ErrFull {
			t.Errorf("Transmit(3 frames) with 2 free (reclaim %v) = %d, %v, want 2, ErrFull", explicit, sent, err)
		}
		if got := n.d.Stats.TxPackets; got != 6 {
			t.Errorf("TxPackets = %d, want 6", got)
		}
		// The device still holds frames 2, 3 and then reads 5, 6 from the reused buffers.
		for _, want := range []int{2, 3, 5, 6} {
			id, _, got := n.sent()
			if !bytes.Equal(got, frame(want, 64)) {
				t.Errorf("device read % x..., want frame %d", got[:4], want)
			}
			n.tx.complete(id, 0)
		}
		if err := n.d.Reclaim(); err != nil {
			t.Fatalf("Reclaim() error: %v", err)
		}
		if got := tr.queues[1].InFlight(); got != 0 {
			t.Errorf("TX InFlight() after the device sent everything = %d, want 0", got)
		}
	}
}

func TestReceive(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	rxq := n.tr.queues[0]
	size := int(rxq.Size())
	n.rx.take() // ignore the first buffer: not everything has to be in order
	f := frame(42, 98)
	id, length := n.fill(f)
	n.rx.complete(id, length)
	if got := rxq.InFlight(); got != size {
		t.Fatalf("RX InFlight() before Receive = %d, want %d", got, size)
	}
	got, err := collect(n.d)
	if err != nil {
		t.Fatalf("Receive() error: %v", err)
	}
	if len(got) != 1 || !bytes.Equal(got[0], f) {
		t.Fatalf("Receive() delivered %d frames %x, want exactly % x", len(got), got, f)
	}
	if n.d.Stats.RxPackets != 1 || n.d.Stats.RxDropped != 0 {
		t.Errorf("RxPackets, RxDropped = %d, %d, want 1, 0", n.d.Stats.RxPackets, n.d.Stats.RxDropped)
	}
	if got := rxq.InFlight(); got != size {
		t.Errorf("RX InFlight() after Receive = %d, want %d (buffer re-posted)", got, size)
	}
	if n.tr.notify[0] != 2 {
		t.Errorf("queue 0 notified %d times, want 2 (New and Receive)", n.tr.notify[0])
	}
	// The device sees the re-posted buffer after the initial ones.
	if got := n.rx.pending(); got != size-1 {
		t.Fatalf("device sees %d RX buffers, want %d", got, size-1)
	}
	// With nothing used, Receive delivers nothing and notifies nobody.
	got, err = collect(n.d)
	if len(got) != 0 || err != nil || n.tr.notify[0] != 2 {
		t.Errorf("Receive() with nothing used = %d frames, %v, %d notifications, want 0, nil, 2", len(got), err, n.tr.notify[0])
	}
}

func TestReceiveShort(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	rxq := n.tr.queues[0]
	size := rxq.InFlight()
	for _, length := range []uint32{0, 1, HeaderLen - 1, HeaderLen} { // HeaderLen: a header and no frame
		id, _ := n.fill(frame(1, 60))
		n.rx.complete(id, length)
	}
	n.receive(frame(7, 60))
	got, err := collect(n.d)
	if err != nil {
		t.Fatalf("Receive() error: %v", err)
	}
	if len(got) != 1 || !bytes.Equal(got[0], frame(7, 60)) {
		t.Errorf("Receive() delivered %d frames, want only the 60-byte one", len(got))
	}
	if n.d.Stats.RxDropped != 4 || n.d.Stats.RxPackets != 1 {
		t.Errorf("RxDropped, RxPackets = %d, %d, want 4, 1", n.d.Stats.RxDropped, n.d.Stats.RxPackets)
	}
	if got := rxq.InFlight(); got != size {
		t.Errorf("RX InFlight() = %d, want %d (short buffers re-posted too)", got, size)
	}
}

// TestReceiveManyCycles receives several queues' worth of frames in
// batches that the device completes out of order, checking that each
// descriptor still leads to the buffer the device wrote.
func TestReceiveManyCycles(t *testing.T) {
	tr := newFakeTransport()
	tr.queueMax[0] = 16
	n := newNetDevice(t, tr)
	rxq := tr.queues[0]
	seq := 0
	for cycle := range 40 { // 40 cycles of up to 5 frames: > 6 queues' worth
		batch := 1 + cycle%5
		type filled struct {
			id     uint16
			length uint32
			frame  []byte
		}
		var fs []filled
		for range batch {
			f := frame(seq, 14+(seq*97)%(MaxFrame-13))
			seq++
			id, length := n.fill(f)
			fs = append(fs, filled{id, length, f})
		}
		// Complete in reverse order, so delivery order is reversed too.
		var want [][]byte
		for i := len(fs) - 1; i >= 0; i-- {
			n.rx.complete(fs[i].id, fs[i].length)
			want = append(want, fs[i].frame)
		}
		notified := tr.notify[0]
		got, err := collect(n.d)
		if err != nil {
			t.Fatalf("cycle %d: Receive() error: %v", cycle, err)
		}
		if len(got) != len(want) {
			t.Fatalf("cycle %d: Receive() delivered %d frames, want %d", cycle, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("cycle %d: frame %d = %d bytes % x..., want %d bytes % x...", cycle, i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]), want[i][:8])
			}
		}
		if got := rxq.InFlight(); got != 16 {
			t.Fatalf("cycle %d: RX InFlight() = %d, want 16", cycle, got)
		}
		if tr.notify[0] != notified+1 {
			t.Fatalf("cycle %d: Receive notified queue 0 %d times, want 1", cycle, tr.notify[0]-notified)
		}
	}
	if seq <= 16 {
		t.Fatalf("only %d frames: the queue did not cycle", seq)
	}
	if got := n.d.Stats.RxPackets; got != uint64(seq) {
		t.Errorf("RxPackets = %d, want %d", got, seq)
	}
}

// The frame handed to deliver may be kept only during the call, but it must
// be the device's data, not a copy of a later frame.
func TestReceiveBatchDistinctBuffers(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	for i := range 10 {
		n.receive(frame(i, 60+i))
	}
	var got [][]byte
	delivered, err := n.d.Receive(func(f []byte) {
		got = append(got, f) // no copy: valid until Receive returns
	})
	if err != nil {
		t.Fatal(err)
	}
	if delivered != 10 || len(got) != 10 {
		t.Fatalf("Receive() = %d, delivered %d frames, want 10, 10", delivered, len(got))
	}
	for i := range 10 {
		if i >= len(got) || !bytes.Equal(got[i], frame(i, 60+i)) {
			t.Fatalf("frame %d of %d delivered wrong", i, len(got))
		}
	}
}

func TestInterrupt(t *testing.T) {
	n := newNetDevice(t, newFakeTransport())
	n.tr.interrupt = 1
	n.d.Interrupt()
	if n.tr.acks != 1 || n.tr.interrupt != 0 {
		t.Errorf("Interrupt(): %d acks, status left %d, want 1, 0", n.tr.acks, n.tr.interrupt)
	}
}

func TestBadDevice(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(n *netDevice)
		call    func(d *Device) error
	}{
		{"RX idx jumps ahead", func(n *netDevice) { n.rx.setUsedIdx(n.rx.usedIdx + 300) },
			func(d *Device) error { _, err := collect(d); return err }},
		{"RX id out of range", func(n *netDevice) { n.rx.putUsed(999, 60); n.rx.setUsedIdx(1) },
			func(d *Device) error { _, err := collect(d); return err }},
		{"RX length beyond the buffer", func(n *netDevice) {
			id, _ := n.fill(frame(1, 60))
			n.rx.complete(id, bufLen+1)
		}, func(d *Device) error { _, err := collect(d); return err }},
		{"RX id returned twice", func(n *netDevice) {
			id, length := n.fill(frame(1, 60))
			n.rx.complete(id, length)
			n.rx.complete(id, length)
		}, func(d *Device) error { _, err := collect(d); return err }},
		{"TX id not in flight", func(n *netDevice) {
			n.d.Transmit(frame(1, 60))
			n.tx.complete(5, 0)
		}, func(d *Device) error { return d.Reclaim() }},
		{"TX idx backwards, Reclaim", func(n *netDevice) {
			n.d.Transmit(frame(1, 60))
			n.tx.setUsedIdx(0xffff)
		}, func(d *Device) error { return d.Reclaim() }},
		{"TX idx backwards, Transmit", func(n *netDevice) {
			n.d.Transmit(frame(1, 60))
			n.tx.setUsedIdx(0xffff)
		}, func(d *Device) error { _, err := d.Transmit(frame(2, 60)); return err }},
		{"TX id out of range, Transmit", func(n *netDevice) {
			n.d.Transmit(frame(1, 60))
			n.tx.putUsed(0x10000, 0)
			n.tx.setUsedIdx(1)
		}, func(d *Device) error { _, err := d.Transmit(frame(2, 60)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNetDevice(t, newFakeTransport())
			tt.corrupt(n)
			if err := tt.call(n.d); !errors.Is(err, virtio.ErrDevice) {
				t.Errorf("first call after corruption: error %v, want virtio.ErrDevice", err)
			}
			// Once broken, transmitting keeps failing.
			if sent, err := n.d.Transmit(frame(3, 60)); sent != 0 || !errors.Is(err, virtio.ErrDevice) {
				t.Errorf("Transmit after a device error = %d, %v, want 0, virtio.ErrDevice", sent, err)
			}
		})
	}
}

// TestQueueSizesDiffer: each queue gets its own size and as many buffers.
func TestQueueSizesDiffer(t *testing.T) {
	tr := newFakeTransport()
	tr.queueMax = map[int]uint16{0: 8, 1: 2}
	n := newNetDevice(t, tr)
	if got := tr.queues[0].InFlight(); got != 8 {
		t.Errorf("RX InFlight() = %d, want 8", got)
	}
	if sent, err := n.d.Transmit(frame(1, 60), frame(2, 60), frame(3, 60)); sent != 2 || err != ErrFull {
		t.Errorf("Transmit(3 frames) with 2 TX buffers = %d, %v, want 2, ErrFull", sent, err)
	}
	for i := 1; i <= 2; i++ {
		if _, _, got := n.sent(); !bytes.Equal(got, frame(i, 60)) {
			t.Errorf("device read % x..., want frame %d", got[:4], i)
		}
	}
}
