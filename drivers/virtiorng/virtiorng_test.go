package virtiorng

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"unigo/drivers/virtio"
)

// Descriptor flags (§2.7.5), as the device sees them.
const (
	flagNext  = 1
	flagWrite = 2
)

// physMem is the guest's "physical memory": one big byte slice whose
// offset off is at physical address memBase+off. DMA hands out 4 KiB
// aligned pieces of it, filled with garbage as real memory may be, and
// the fake device resolves descriptor addresses through at.
type physMem struct {
	t      testing.TB
	mem    []byte
	next   int // first unallocated offset
	allocs int
	fail   int // fail the fail-th allocation (1-based); 0: never
}

const memBase = 0x4000_0000

func newPhysMem(t testing.TB) *physMem {
	return &physMem{t: t, mem: bytes.Repeat([]byte{0xa5}, 4<<20)}
}

func (m *physMem) alloc(n int) ([]byte, uint64, error) {
	m.allocs++
	if m.allocs == m.fail {
		return nil, 0, errors.New("physMem: out of memory")
	}
	off := (m.next + 4095) &^ 4095
	if n <= 0 || off+n > len(m.mem) {
		m.t.Errorf("DMA(%d): want 0 < n <= %d", n, len(m.mem)-off)
		return nil, 0, errors.New("physMem: bad size")
	}
	m.next = off + n
	return m.mem[off : off+n : off+n], memBase + uint64(off), nil
}

// at returns the n bytes at physical address addr, which must lie inside
// memory the driver allocated.
func (m *physMem) at(addr uint64, n int) []byte {
	m.t.Helper()
	if addr < memBase || addr-memBase+uint64(n) > uint64(m.next) {
		m.t.Fatalf("device access [%#x, %#x) outside the allocated memory [%#x, %#x)",
			addr, addr+uint64(n), memBase, memBase+m.next)
	}
	off := addr - memBase
	return m.mem[off : off+uint64(n) : off+uint64(n)]
}

type desc struct {
	addr  uint64
	len   uint32
	flags uint16
	next  uint16
}

// devQueue is the device side of the split virtqueue (§2.7): it knows
// only the physical addresses the transport was given.
type devQueue struct {
	t                  testing.TB
	mem                *physMem
	size               uint16
	desc, avail, used  uint64
	lastAvail, usedIdx uint16
}

func (q *devQueue) pending() int {
	return int(binary.LittleEndian.Uint16(q.mem.at(q.avail+2, 2)) - q.lastAvail)
}

func (q *devQueue) descriptor(id uint16) desc {
	q.t.Helper()
	if id >= q.size {
		q.t.Fatalf("device: descriptor %d >= queue size %d", id, q.size)
	}
	e := q.mem.at(q.desc+16*uint64(id), 16)
	return desc{
		addr:  binary.LittleEndian.Uint64(e[0:]),
		len:   binary.LittleEndian.Uint32(e[8:]),
		flags: binary.LittleEndian.Uint16(e[12:]),
		next:  binary.LittleEndian.Uint16(e[14:]),
	}
}

// take returns the next available chain: its head and its descriptors,
// followed through the NEXT links.
func (q *devQueue) take() (uint16, []desc) {
	q.t.Helper()
	if q.pending() == 0 {
		q.t.Fatalf("device: no buffer available")
	}
	head := binary.LittleEndian.Uint16(q.mem.at(q.avail+4+2*uint64(q.lastAvail%q.size), 2))
	q.lastAvail++
	var chain []desc
	for id := head; ; {
		if len(chain) == int(q.size) {
			q.t.Fatalf("device: chain from %d loops", head)
		}
		d := q.descriptor(id)
		chain = append(chain, d)
		if d.flags&flagNext == 0 {
			break
		}
		id = d.next
	}
	return head, chain
}

// putUsed writes a used-ring entry without publishing it.
func (q *devQueue) putUsed(id, length uint32) {
	e := q.mem.at(q.used+4+8*uint64(q.usedIdx%q.size), 8)
	binary.LittleEndian.PutUint32(e[0:], id)
	binary.LittleEndian.PutUint32(e[4:], length)
}

func (q *devQueue) setUsedIdx(idx uint16) {
	q.usedIdx = idx
	binary.LittleEndian.PutUint16(q.mem.at(q.used+2, 2), idx)
}

func (q *devQueue) complete(id, length uint32) {
	q.putUsed(id, length)
	q.setUsedIdx(q.usedIdx + 1)
}

// fakeTransport is a virtio entropy device's transport. Notify runs onNotify,
// the device's reaction to the driver's kick.
type fakeTransport struct {
	t                *testing.T
	mem              *physMem
	status           uint8
	statusLog        []uint8
	refuseFeaturesOK bool
	offered          uint64
	accepted         uint64
	queueMax         uint16
	configReads      int
	queue            *devQueue
	events           []string
	resets           int
	notifies         int
	acks             int
	onNotify         func()
}

func newFakeTransport(t *testing.T) *fakeTransport {
	return &fakeTransport{
		t:        t,
		mem:      newPhysMem(t),
		status:   0x55,
		offered:  virtio.FeatureVersion1,
		queueMax: 64,
	}
}

func (f *fakeTransport) Reset() {
	f.events = append(f.events, "reset")
	f.resets++
	f.status = 0
}

func (f *fakeTransport) Status() uint8 { return f.status }

func (f *fakeTransport) SetStatus(s uint8) {
	f.events = append(f.events, fmt.Sprintf("status=%d", s))
	f.statusLog = append(f.statusLog, s)
	if f.refuseFeaturesOK {
		s &^= virtio.StatusFeaturesOK
	}
	f.status = s
}

func (f *fakeTransport) Features() uint64 { return f.offered }

func (f *fakeTransport) SetFeatures(v uint64) { f.accepted = v }

func (f *fakeTransport) QueueMax(i int) uint16 {
	if i != requestQueue {
		return 0
	}
	return f.queueMax
}

func (f *fakeTransport) SetupQueue(i int, q *virtio.Queue) {
	f.events = append(f.events, fmt.Sprintf("setup %d", i))
	if i != requestQueue {
		f.t.Errorf("SetupQueue(%d), want queue %d only", i, requestQueue)
	}
	d, a, u := q.Addresses()
	f.queue = &devQueue{t: f.t, mem: f.mem, size: q.Size(), desc: d, avail: a, used: u}
}

func (f *fakeTransport) Notify(i int) {
	f.events = append(f.events, fmt.Sprintf("notify %d", i))
	f.notifies++
	if i != requestQueue {
		f.t.Errorf("Notify(%d), want %d", i, requestQueue)
	}
	if f.status&virtio.StatusDriverOK == 0 {
		f.t.Errorf("Notify(%d) with status %#x, want DRIVER_OK set", i, f.status)
	}
	if f.onNotify != nil {
		f.onNotify()
	}
}

func (f *fakeTransport) AckInterrupt() uint32 {
	f.events = append(f.events, "ack")
	f.acks++
	return 1
}

// Config: the entropy device has no configuration (§5.4.4).
func (f *fakeTransport) Config(off int) byte {
	f.configReads++
	return 0
}

// pattern is the i-th byte of the device's entropy stream: a known
// sequence, so that a test sees which bytes arrived and in what order.
func pattern(i int) byte { return byte(i*37 + i>>8 + 1) }

func patternFrom(start, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = pattern(start + i)
	}
	return b
}

// source is the host entropy behind the device. The k-th request gets
// min(buffer length, sizes[k]) bytes of the pattern, or the whole
// buffer when k is beyond sizes.
type source struct {
	t        *testing.T
	tr       *fakeTransport
	sizes    []int
	sent     int    // pattern bytes given so far
	requests []desc // each request's (single) descriptor
}

// take takes the next request, checks it is one device-writable
// descriptor and returns its id and buffer.
func (s *source) take() (uint16, []byte) {
	s.t.Helper()
	head, chain := s.tr.queue.take()
	if len(chain) != 1 {
		s.t.Fatalf("request %d is a chain of %d descriptors %+v, want 1", len(s.requests), len(chain), chain)
	}
	d := chain[0]
	s.requests = append(s.requests, d)
	if d.flags != flagWrite {
		s.t.Errorf("request %d descriptor flags = %#x, want WRITE (%#x) only", len(s.requests)-1, d.flags, flagWrite)
	}
	return head, s.tr.mem.at(d.addr, int(d.len))
}

// fill writes the next pattern bytes into buf as the k-th request's answer.
func (s *source) fill(k int, buf []byte) int {
	n := len(buf)
	if k < len(s.sizes) {
		n = min(n, s.sizes[k])
	}
	copy(buf, patternFrom(s.sent, n))
	s.sent += n
	return n
}

// serve answers every pending request.
func (s *source) serve() {
	s.t.Helper()
	for s.tr.queue.pending() > 0 {
		head, buf := s.take()
		n := s.fill(len(s.requests)-1, buf)
		s.tr.queue.complete(uint32(head), uint32(n))
	}
}

func noWait() error { return nil }

// newServed returns a device whose source answers at once on Notify.
func newServed(t *testing.T, sizes ...int) (*Device, *fakeTransport, *source) {
	t.Helper()
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr, sizes: sizes}
	tr.onNotify = s.serve
	d, err := New(tr, tr.mem.alloc, noWait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	return d, tr, s
}

const (
	ack = virtio.StatusAcknowledge
	drv = virtio.StatusDriver
	fok = virtio.StatusFeaturesOK
	dok = virtio.StatusDriverOK
)

func TestNew(t *testing.T) {
	for _, offered := range []uint64{virtio.FeatureVersion1, virtio.FeatureVersion1 | 1<<0 | 1<<28 | 1<<40, ^uint64(0)} {
		t.Run(fmt.Sprintf("offered %#x", offered), func(t *testing.T) {
			tr := newFakeTransport(t)
			tr.offered = offered
			if _, err := New(tr, tr.mem.alloc, noWait); err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if tr.accepted != virtio.FeatureVersion1 {
				t.Errorf("accepted features = %#x, want %#x (VERSION_1 only, §5.4.3)", tr.accepted, uint64(virtio.FeatureVersion1))
			}
			if want := []uint8{ack, ack | drv, ack | drv | fok, ack | drv | fok | dok}; !bytes.Equal(tr.statusLog, want) {
				t.Errorf("SetStatus sequence = %v, want %v", tr.statusLog, want)
			}
			if tr.events[0] != "reset" {
				t.Errorf("first step = %q (events %v), want reset", tr.events[0], tr.events)
			}
			if i, j := slices.Index(tr.events, "setup 0"), slices.Index(tr.events, "status=15"); i < 0 || i > j {
				t.Errorf("events %v: want the queue set up before DRIVER_OK", tr.events)
			}
			if tr.queue == nil || tr.queue.size != 4 {
				t.Errorf("queue = %+v, want 4 entries (min of the device's 64 and 4)", tr.queue)
			}
			if tr.configReads != 0 || tr.notifies != 0 {
				t.Errorf("New: %d config reads, %d notifies; want 0, 0", tr.configReads, tr.notifies)
			}
		})
	}
}

func TestNewQueueSize(t *testing.T) {
	for _, tt := range []struct{ max, want uint16 }{{64, 4}, {4, 4}, {3, 2}, {1, 1}} {
		tr := newFakeTransport(t)
		tr.queueMax = tt.max
		if _, err := New(tr, tr.mem.alloc, noWait); err != nil {
			t.Fatalf("New() with QueueMax %d: %v", tt.max, err)
		}
		if tr.queue.size != tt.want {
			t.Errorf("queue size with QueueMax %d = %d, want %d", tt.max, tr.queue.size, tt.want)
		}
	}
}

func TestNewFails(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeTransport)
	}{
		{"no VERSION_1", func(tr *fakeTransport) { tr.offered = 1<<0 | 1<<28 }},
		{"no features", func(tr *fakeTransport) { tr.offered = 0 }},
		{"FEATURES_OK does not stick", func(tr *fakeTransport) { tr.refuseFeaturesOK = true }},
		{"no request queue", func(tr *fakeTransport) { tr.queueMax = 0 }},
		{"DMA fails for the queue", func(tr *fakeTransport) { tr.mem.fail = 1 }},
		{"DMA fails for the buffer", func(tr *fakeTransport) { tr.mem.fail = 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			tt.setup(tr)
			d, err := New(tr, tr.mem.alloc, noWait)
			if err == nil || d != nil {
				t.Fatalf("New() = %v, %v; want nil and an error", d, err)
			}
			if slices.ContainsFunc(tr.statusLog, func(s uint8) bool { return s&dok != 0 }) {
				t.Errorf("SetStatus sequence %v sets DRIVER_OK, want never", tr.statusLog)
			}
			if last := tr.statusLog[len(tr.statusLog)-1]; last != virtio.StatusFailed {
				t.Errorf("last SetStatus = %d (sequence %v), want FAILED (%d)", last, tr.statusLog, virtio.StatusFailed)
			}
			if tr.notifies != 0 {
				t.Errorf("notified %d times, want 0", tr.notifies)
			}
		})
	}
}

// requestLens is what Read should ask for to fill n bytes when the
// device fills every buffer: bufSize at a time, then the rest.
func requestLens(n int) []uint32 {
	var l []uint32
	for ; n > 0; n -= bufSize {
		l = append(l, uint32(min(n, bufSize)))
	}
	return l
}

func descLens(ds []desc) []uint32 {
	var l []uint32
	for _, d := range ds {
		l = append(l, d.len)
	}
	return l
}

func TestRead(t *testing.T) {
	for _, size := range []int{1, 10, 255, 256, 257, 512, 1000, 4096} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			d, tr, s := newServed(t)
			b := bytes.Repeat([]byte{0xcc}, size+8)
			n, err := d.Read(b[:size])
			if n != size || err != nil {
				t.Fatalf("Read(%d bytes) = %d, %v; want %d, nil", size, n, err, size)
			}
			if want := patternFrom(0, size); !bytes.Equal(b[:size], want) {
				t.Errorf("Read(%d bytes) = % x..., want the device's bytes in order % x...", size, b[:min(size, 16)], want[:min(size, 16)])
			}
			if !bytes.Equal(b[size:], bytes.Repeat([]byte{0xcc}, 8)) {
				t.Errorf("Read(%d bytes) wrote past the slice", size)
			}
			if got, want := descLens(s.requests), requestLens(size); !slices.Equal(got, want) {
				t.Errorf("request lengths = %v, want %v", got, want)
			}
			if tr.notifies != len(s.requests) {
				t.Errorf("notifies = %d, want %d (one per request)", tr.notifies, len(s.requests))
			}
			if d.q.InFlight() != 0 {
				t.Errorf("InFlight() after Read = %d, want 0", d.q.InFlight())
			}
		})
	}
}

// Successive Reads continue the device's stream.
func TestReadSequence(t *testing.T) {
	d, _, _ := newServed(t)
	start := 0
	for _, size := range []int{10, 256, 1000, 3, 300} {
		b := make([]byte, size)
		if n, err := d.Read(b); n != size || err != nil {
			t.Fatalf("Read(%d bytes) = %d, %v; want %d, nil", size, n, err, size)
		}
		if want := patternFrom(start, size); !bytes.Equal(b, want) {
			t.Errorf("Read(%d bytes) after %d = % x..., want % x...", size, start, b[:min(size, 16)], want[:min(size, 16)])
		}
		start += size
	}
}

// A device that gives fewer bytes than asked is asked again for the rest.
func TestReadShortAnswers(t *testing.T) {
	d, _, s := newServed(t, 100, 1, 255, 0, 7)
	b := make([]byte, 1000)
	if n, err := d.Read(b); n != 1000 || err != nil {
		t.Fatalf("Read(1000) = %d, %v; want 1000, nil", n, err)
	}
	if !bytes.Equal(b, patternFrom(0, 1000)) {
		t.Errorf("Read(1000) with short answers got other bytes than the device's, in order")
	}
	// Asked: 256 (got 100), 256 (1), 256 (255), 256 (0), 256 (7), then
	// 256, 256, 125 filled.
	if got, want := descLens(s.requests), []uint32{256, 256, 256, 256, 256, 256, 256, 125}; !slices.Equal(got, want) {
		t.Errorf("request lengths = %v, want %v", got, want)
	}
}

func TestReadEmpty(t *testing.T) {
	d, tr, _ := newServed(t)
	for _, b := range [][]byte{nil, {}} {
		if n, err := d.Read(b); n != 0 || err != nil {
			t.Errorf("Read(%d bytes) = %d, %v; want 0, nil", len(b), n, err)
		}
	}
	if tr.notifies != 0 {
		t.Errorf("empty Reads notified %d times, want 0", tr.notifies)
	}
}

// Many Reads on a 4-entry queue: each request frees its descriptor.
func TestReadFreesDescriptors(t *testing.T) {
	d, tr, s := newServed(t)
	b := make([]byte, 300)
	for i := range 100 {
		if n, err := d.Read(b); n != 300 || err != nil {
			t.Fatalf("Read #%d = %d, %v; want 300, nil", i, n, err)
		}
		if !bytes.Equal(b, patternFrom(300*i, 300)) {
			t.Fatalf("Read #%d got other bytes than the device's", i)
		}
	}
	if tr.queue.size != 4 || len(s.requests) != 200 {
		t.Errorf("queue size %d, %d requests; want 4, 200", tr.queue.size, len(s.requests))
	}
}

// One empty answer is tolerated; two make Read fail with ErrDevice.
func TestReadZeroBytes(t *testing.T) {
	t.Run("once", func(t *testing.T) {
		d, _, s := newServed(t, 0)
		b := make([]byte, 10)
		if n, err := d.Read(b); n != 10 || err != nil || !bytes.Equal(b, patternFrom(0, 10)) {
			t.Errorf("Read(10) after one empty answer = %d, %v, % x; want 10, nil, % x", n, err, b, patternFrom(0, 10))
		}
		if len(s.requests) != 2 {
			t.Errorf("requests = %d, want 2", len(s.requests))
		}
	})
	t.Run("twice", func(t *testing.T) {
		d, tr, _ := newServed(t, 0, 0)
		n, err := d.Read(make([]byte, 10))
		if n != 0 || !errors.Is(err, ErrDevice) {
			t.Errorf("Read(10) from a device answering 0 bytes twice = %d, %v; want 0, ErrDevice", n, err)
		}
		notifies := tr.notifies
		if n, err := d.Read(make([]byte, 10)); n != 0 || !errors.Is(err, ErrDevice) {
			t.Errorf("Read after the failure = %d, %v; want 0, ErrDevice", n, err)
		}
		if tr.notifies != notifies {
			t.Errorf("Read after the failure notified %d times, want 0", tr.notifies-notifies)
		}
	})
	t.Run("twice after data", func(t *testing.T) {
		d, _, _ := newServed(t, 50, 0, 0)
		b := make([]byte, 300)
		n, err := d.Read(b)
		if n != 50 || !errors.Is(err, ErrDevice) {
			t.Errorf("Read(300) from a device answering 50, 0, 0 bytes = %d, %v; want 50, ErrDevice", n, err)
		}
		if !bytes.Equal(b[:50], patternFrom(0, 50)) {
			t.Errorf("Read(300) = % x..., want the 50 bytes the device gave", b[:16])
		}
	})
}

// BUG: Read's doc says a device answering zero bytes "twice in a row" is
// reported, but the empty counter is never reset after a non-empty
// answer, so two empty answers anywhere in one Read fail it.
func TestReadZeroBytesNotInARow(t *testing.T) {
	d, _, _ := newServed(t, 0, 256, 0, 256)
	b := make([]byte, 600)
	if n, err := d.Read(b); n != 600 || err != nil {
		t.Errorf("Read(600) from a device answering 0, 256, 0, 256, ... bytes = %d, %v; want 600, nil", n, err)
	}
}

// A device that breaks the ring fails Read with ErrDevice and is reset;
// Read returns the bytes it got before, and later Reads fail at once.
func TestReadBadDevice(t *testing.T) {
	tests := []struct {
		name   string
		answer func(q *devQueue, head uint16, d desc)
	}{
		{"completes a descriptor not in flight", func(q *devQueue, head uint16, _ desc) {
			q.complete(uint32((head+1)%q.size), 1)
		}},
		{"completes a descriptor beyond the queue", func(q *devQueue, _ uint16, _ desc) {
			q.complete(uint32(q.size), 1)
		}},
		{"completes id 0xffffffff", func(q *devQueue, _ uint16, _ desc) {
			q.complete(0xffffffff, 1)
		}},
		{"used length beyond the buffer", func(q *devQueue, head uint16, d desc) {
			q.complete(uint32(head), d.len+1)
		}},
		{"used length 0xffffffff", func(q *devQueue, head uint16, _ desc) {
			q.complete(uint32(head), 0xffffffff)
		}},
		{"used index jumps past the queue size", func(q *devQueue, head uint16, _ desc) {
			q.putUsed(uint32(head), 1)
			q.setUsedIdx(q.usedIdx + q.size + 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, tr, s := newServed(t)
			// The first request is answered well, the second badly.
			tr.onNotify = func() {
				s.serve()
				tr.onNotify = func() {
					head, chain := tr.queue.take()
					tt.answer(tr.queue, head, chain[0])
				}
			}
			resets := tr.resets
			b := make([]byte, 300)
			n, err := d.Read(b)
			if n != 256 || !errors.Is(err, ErrDevice) {
				t.Fatalf("Read(300) from a device answering the second request badly = %d, %v; want 256, ErrDevice", n, err)
			}
			if !bytes.Equal(b[:256], patternFrom(0, 256)) {
				t.Errorf("Read(300) = % x..., want the first 256 device bytes", b[:16])
			}
			if tr.resets != resets+1 {
				t.Errorf("Reset called %d times after the bad answer, want 1", tr.resets-resets)
			}
			tr.onNotify = s.serve
			notifies := tr.notifies
			for i := range 3 {
				if n, err2 := d.Read(b); n != 0 || !errors.Is(err2, ErrDevice) {
					t.Errorf("Read #%d after the failure = %d, %v; want 0, ErrDevice", i, n, err2)
				}
			}
			if tr.notifies != notifies || tr.resets != resets+1 {
				t.Errorf("Reads after the failure: %d notifies, %d resets; want none", tr.notifies-notifies, tr.resets-resets-1)
			}
		})
	}
}

// The device answers only on the second wait: Read waits, acknowledges
// the interrupt after each wait and then returns the bytes.
func TestReadWaits(t *testing.T) {
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr}
	waits := 0
	wait := func() error {
		waits++
		tr.events = append(tr.events, fmt.Sprintf("wait %d", waits))
		if waits%2 == 0 {
			s.serve()
		}
		return nil
	}
	d, err := New(tr, tr.mem.alloc, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	tr.events = nil
	b := make([]byte, 300)
	if n, err := d.Read(b); n != 300 || err != nil || !bytes.Equal(b, patternFrom(0, 300)) {
		t.Fatalf("Read(300) = %d, %v; want 300, nil and the device's bytes", n, err)
	}
	if waits != 4 || tr.acks != 4 {
		t.Errorf("wait called %d times, AckInterrupt %d; want 4, 4 (two per request)", waits, tr.acks)
	}
	want := []string{"notify 0", "wait 1", "ack", "wait 2", "ack", "notify 0", "wait 3", "ack", "wait 4", "ack"}
	if !slices.Equal(tr.events, want) {
		t.Errorf("events = %v, want %v", tr.events, want)
	}
}

// An error from wait is returned with the bytes read so far.
func TestReadWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr}
	// The device answers the first two requests at once, then goes quiet.
	tr.onNotify = func() {
		if len(s.requests) < 2 {
			s.serve()
		}
	}
	errWait := errors.New("wait: interrupted")
	d, err := New(tr, tr.mem.alloc, func() error { return errWait })
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	b := make([]byte, 600)
	n, err := d.Read(b)
	if n != 512 || !errors.Is(err, errWait) {
		t.Errorf("Read(600) = %d, %v; want 512, %v", n, err, errWait)
	}
	if !bytes.Equal(b[:512], patternFrom(0, 512)) {
		t.Errorf("Read(600) = % x..., want the first 512 device bytes", b[:16])
	}
	// The device still owns the buffers: it is reset and not used again.
	if tr.resets != 2 || tr.acks != 0 {
		t.Errorf("after a wait error: %d resets, %d acks; want 2 (New's and the abandon), 0", tr.resets, tr.acks)
	}
}

// BUG: after a wait error the driver abandons the request but the device
// still owns the buffer: the next Read clears that buffer while the device
// may be writing it, and when the device completes the abandoned request
// the next Read reports ErrDevice and resets a device that was only slow.
func TestReadAfterWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr}
	errWait := errors.New("wait: timed out")
	failWait := true
	d, err := New(tr, tr.mem.alloc, func() error {
		if failWait {
			return errWait
		}
		s.serve()
		return nil
	})
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	// The device takes the first request and has written 100 bytes of
	// it when the driver gives up waiting.
	var slowHead uint16
	var slowBuf []byte
	tr.onNotify = func() {
		slowHead, slowBuf = s.take()
		s.fill(0, slowBuf[:100])
		tr.onNotify = nil
	}
	if _, err := d.Read(make([]byte, 256)); !errors.Is(err, errWait) {
		t.Fatalf("Read(256) = %v, want %v", err, errWait)
	}
	resets := tr.resets
	failWait = false
	tr.onNotify = func() {
		if !bytes.Equal(slowBuf[:100], patternFrom(0, 100)) {
			t.Errorf("the driver changed the buffer the device still owns: % x..., want % x...", slowBuf[:8], patternFrom(0, 8))
		}
		tr.queue.complete(uint32(slowHead), 100)
	}
	b := make([]byte, 10)
	n, err := d.Read(b)
	if tr.resets != resets {
		t.Errorf("Read(10) = %d, %v and reset a device that only answered late; want the bytes or the failure reported at the wait error", n, err)
	}
}

// A device that reports bytes it did not write must not make Read hand
// out the previous request's bytes again: entropy is never repeated.
func TestReadNoStaleBytes(t *testing.T) {
	d, tr, s := newServed(t)
	first := make([]byte, 256)
	if n, err := d.Read(first); n != 256 || err != nil {
		t.Fatalf("Read(256) = %d, %v; want 256, nil", n, err)
	}
	tr.onNotify = func() {
		head, buf := s.take()
		tr.queue.complete(uint32(head), uint32(len(buf))) // writes nothing
	}
	second := make([]byte, 256)
	if n, err := d.Read(second); n != 256 || err != nil {
		t.Fatalf("second Read(256) = %d, %v; want 256, nil", n, err)
	}
	if bytes.Equal(second, first) {
		t.Errorf("second Read returned the first Read's bytes again (% x...)", second[:8])
	}
}
