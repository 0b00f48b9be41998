package virtio9p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
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

// fakeTransport is a virtio 9P device's transport. Notify runs onNotify,
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
	config           []byte
	configReads      int
	queue            *devQueue
	events           []string
	resets           int
	notifies         int
	acks             int
	onNotify         func()
}

func tagConfig(tag string) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(tag)))
	return append(b, tag...)
}

func newFakeTransport(t *testing.T) *fakeTransport {
	return &fakeTransport{
		t:        t,
		mem:      newPhysMem(t),
		status:   0x55,
		offered:  virtio.FeatureVersion1 | FeatureMountTag | 1<<5 | 1<<40,
		queueMax: 128,
		config:   tagConfig("hostshare"),
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

func (f *fakeTransport) Config(off int) byte {
	f.configReads++
	if off < 0 || off >= len(f.config) {
		return 0
	}
	return f.config[off]
}

// server is the 9P server behind the device: it checks the shape of each
// chain, records the request and writes reply(request) into the
// device-writable descriptor.
type server struct {
	t        *testing.T
	tr       *fakeTransport
	reply    func(req []byte) []byte
	requests [][]byte
	chains   [][]desc
}

// take takes the next chain, checks it is one device-readable descriptor
// chained to one device-writable one, and returns its head, the request
// and the reply buffer.
func (s *server) take() (uint16, []byte, []byte) {
	s.t.Helper()
	head, chain := s.tr.queue.take()
	s.chains = append(s.chains, chain)
	if len(chain) != 2 {
		s.t.Fatalf("chain from %d has %d descriptors %+v, want 2", head, len(chain), chain)
	}
	if chain[0].flags != flagNext {
		s.t.Errorf("request descriptor flags = %#x, want NEXT (%#x) only", chain[0].flags, flagNext)
	}
	if chain[1].flags != flagWrite {
		s.t.Errorf("reply descriptor flags = %#x, want WRITE (%#x) only", chain[1].flags, flagWrite)
	}
	req := bytes.Clone(s.tr.mem.at(chain[0].addr, int(chain[0].len)))
	s.requests = append(s.requests, req)
	return head, req, s.tr.mem.at(chain[1].addr, int(chain[1].len))
}

// serve answers every request pending.
func (s *server) serve() {
	s.t.Helper()
	for s.tr.queue.pending() > 0 {
		head, req, in := s.take()
		r := s.reply(req)
		if len(r) > len(in) {
			s.t.Fatalf("canned reply of %d bytes does not fit the %d-byte reply buffer", len(r), len(in))
		}
		copy(in, r)
		s.tr.queue.complete(uint32(head), uint32(len(r)))
	}
}

// echo answers a request with "R" and the request.
func echo(req []byte) []byte { return append([]byte("R"), req...) }

func noWait() error { return nil }

// newServed returns a device whose server answers at once on Notify.
func newServed(t *testing.T, msize int, reply func([]byte) []byte) (*Device, *fakeTransport, *server) {
	t.Helper()
	tr := newFakeTransport(t)
	s := &server{t: t, tr: tr, reply: reply}
	tr.onNotify = s.serve
	d, err := New(tr, tr.mem.alloc, msize, noWait)
	if err != nil {
		t.Fatalf("New(msize %d) error: %v", msize, err)
	}
	return d, tr, s
}

const (
	ack = virtio.StatusAcknowledge
	drv = virtio.StatusDriver
	fok = virtio.StatusFeaturesOK
	dok = virtio.StatusDriverOK
)

func TestNewNegotiation(t *testing.T) {
	long := string(bytes.Repeat([]byte("t"), maxTag))
	tests := []struct {
		name     string
		offered  uint64
		config   []byte
		accepted uint64
		tag      string
	}{
		{"VERSION_1 and MOUNT_TAG", virtio.FeatureVersion1 | FeatureMountTag | 1<<5 | 1<<40,
			tagConfig("hostshare"), virtio.FeatureVersion1 | FeatureMountTag, "hostshare"},
		{"everything offered", ^uint64(0),
			tagConfig("hostshare"), virtio.FeatureVersion1 | FeatureMountTag, "hostshare"},
		{"no MOUNT_TAG", virtio.FeatureVersion1 | 1<<5,
			tagConfig("hostshare"), virtio.FeatureVersion1, ""},
		{"empty tag", virtio.FeatureVersion1 | FeatureMountTag,
			tagConfig(""), virtio.FeatureVersion1 | FeatureMountTag, ""},
		{"tag of 256 bytes", virtio.FeatureVersion1 | FeatureMountTag,
			tagConfig(long), virtio.FeatureVersion1 | FeatureMountTag, long},
		{"tag length is little-endian", virtio.FeatureVersion1 | FeatureMountTag,
			append([]byte{3, 0}, "abcdef"...), virtio.FeatureVersion1 | FeatureMountTag, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			tr.offered = tt.offered
			tr.config = tt.config
			d, err := New(tr, tr.mem.alloc, 8192, noWait)
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if tr.accepted != tt.accepted {
				t.Errorf("accepted features = %#x, want %#x", tr.accepted, tt.accepted)
			}
			if d.Tag != tt.tag {
				t.Errorf("Tag = %q, want %q", d.Tag, tt.tag)
			}
			if tt.accepted&FeatureMountTag == 0 && tr.configReads != 0 {
				t.Errorf("read config %d times without MOUNT_TAG, want 0", tr.configReads)
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
			if tr.queue == nil || tr.queue.size != 8 {
				t.Errorf("queue = %+v, want 8 entries (min of the device's 128 and 8)", tr.queue)
			}
			if d.Msize() != 8192 {
				t.Errorf("Msize() = %d, want 8192", d.Msize())
			}
			if tr.notifies != 0 {
				t.Errorf("New notified %d times, want 0", tr.notifies)
			}
		})
	}
}

func TestNewQueueSize(t *testing.T) {
	for _, tt := range []struct{ max, want uint16 }{{128, 8}, {8, 8}, {6, 4}, {1, 1}} {
		tr := newFakeTransport(t)
		tr.queueMax = tt.max
		if _, err := New(tr, tr.mem.alloc, 4096, noWait); err != nil {
			t.Fatalf("New() with QueueMax %d: %v", tt.max, err)
		}
		if tr.queue.size != tt.want {
			t.Errorf("queue size with QueueMax %d = %d, want %d", tt.max, tr.queue.size, tt.want)
		}
	}
}

func TestNewMsize(t *testing.T) {
	for _, msize := range []int{-1, 0, 1, 4095} {
		tr := newFakeTransport(t)
		d, err := New(tr, tr.mem.alloc, msize, noWait)
		if err == nil || d != nil {
			t.Errorf("New(msize %d) = %v, %v; want nil and an error", msize, d, err)
		}
		if len(tr.events) != 0 || tr.mem.allocs != 0 {
			t.Errorf("New(msize %d) touched the device (events %v, %d allocations), want nothing", msize, tr.events, tr.mem.allocs)
		}
	}
	for _, msize := range []int{4096, 4097, 65536} {
		tr := newFakeTransport(t)
		d, err := New(tr, tr.mem.alloc, msize, noWait)
		if err != nil {
			t.Fatalf("New(msize %d) error: %v", msize, err)
		}
		if d.Msize() != msize {
			t.Errorf("Msize() = %d, want %d", d.Msize(), msize)
		}
	}
}

func TestNewFails(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeTransport)
	}{
		{"no VERSION_1", func(tr *fakeTransport) { tr.offered = FeatureMountTag }},
		{"no features", func(tr *fakeTransport) { tr.offered = 0 }},
		{"FEATURES_OK does not stick", func(tr *fakeTransport) { tr.refuseFeaturesOK = true }},
		{"tag of 257 bytes", func(tr *fakeTransport) {
			tr.config = tagConfig(string(bytes.Repeat([]byte("t"), maxTag+1)))
		}},
		{"tag length 0xffff", func(tr *fakeTransport) { tr.config = []byte{0xff, 0xff, 'a'} }},
		{"no request queue", func(tr *fakeTransport) { tr.queueMax = 0 }},
		{"DMA fails for the queue", func(tr *fakeTransport) { tr.mem.fail = 1 }},
		{"DMA fails for the request buffer", func(tr *fakeTransport) { tr.mem.fail = 2 }},
		{"DMA fails for the reply buffer", func(tr *fakeTransport) { tr.mem.fail = 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			tt.setup(tr)
			d, err := New(tr, tr.mem.alloc, 4096, noWait)
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

// New refuses a device without VERSION_1 before setting anything up.
func TestNewNoVersion1(t *testing.T) {
	tr := newFakeTransport(t)
	tr.offered = FeatureMountTag | 1<<5
	if _, err := New(tr, tr.mem.alloc, 4096, noWait); err == nil {
		t.Fatalf("New() without VERSION_1 = nil error, want an error")
	}
	if tr.queue != nil || tr.mem.allocs != 0 || tr.configReads != 0 {
		t.Errorf("without VERSION_1: queue %v, %d allocations, %d config reads; want none", tr.queue, tr.mem.allocs, tr.configReads)
	}
	if tr.accepted != 0 {
		t.Errorf("accepted features = %#x, want 0 (never written)", tr.accepted)
	}
}

func TestRPC(t *testing.T) {
	canned := []byte("Rversion 9P2000.L canned reply")
	d, tr, s := newServed(t, 4096, func([]byte) []byte { return canned })
	req := []byte("Tversion 9P2000.L msize=4096")
	reply := bytes.Repeat([]byte{0xee}, 1000)
	n, err := d.RPC(req, reply)
	if err != nil {
		t.Fatalf("RPC() error: %v", err)
	}
	if n != len(canned) || !bytes.Equal(reply[:n], canned) {
		t.Errorf("RPC() = %d, %q; want %d, %q", n, reply[:n], len(canned), canned)
	}
	if !bytes.Equal(reply[n:], bytes.Repeat([]byte{0xee}, len(reply)-n)) {
		t.Errorf("RPC() wrote past the %d reply bytes", n)
	}
	if len(s.requests) != 1 || !bytes.Equal(s.requests[0], req) {
		t.Fatalf("device read requests %q, want [%q]", s.requests, req)
	}
	c := s.chains[0]
	if c[0].len != uint32(len(req)) {
		t.Errorf("request descriptor length = %d, want %d", c[0].len, len(req))
	}
	if c[1].len != uint32(len(reply)) {
		t.Errorf("reply descriptor length = %d, want %d (len(reply))", c[1].len, len(reply))
	}
	if c[0].addr == c[1].addr {
		t.Errorf("request and reply descriptors share address %#x", c[0].addr)
	}
	if tr.notifies != 1 {
		t.Errorf("notifies = %d, want 1", tr.notifies)
	}
	if tr.acks != 0 {
		t.Errorf("AckInterrupt called %d times for an RPC completed before any wait, want 0", tr.acks)
	}
}

// The reply descriptor is as long as the smaller of the caller's buffer
// and msize.
func TestRPCReplyBufferLength(t *testing.T) {
	for _, tt := range []struct{ replyLen, want int }{{1, 1}, {100, 100}, {4096, 4096}, {10000, 4096}} {
		d, _, s := newServed(t, 4096, func([]byte) []byte { return []byte("x") })
		if n, err := d.RPC([]byte("T"), make([]byte, tt.replyLen)); n != 1 || err != nil {
			t.Fatalf("RPC(reply of %d) = %d, %v; want 1, nil", tt.replyLen, n, err)
		}
		if got := s.chains[0][1].len; got != uint32(tt.want) {
			t.Errorf("reply descriptor length with a %d-byte reply buffer = %d, want %d", tt.replyLen, got, tt.want)
		}
	}
}

// A full msize reply and a full msize request both fit.
func TestRPCFullMsize(t *testing.T) {
	const msize = 8192
	big := make([]byte, msize)
	for i := range big {
		big[i] = byte(i * 7)
	}
	d, _, s := newServed(t, msize, func(req []byte) []byte {
		r := slices.Clone(req)
		slices.Reverse(r)
		return r
	})
	reply := make([]byte, msize)
	n, err := d.RPC(big, reply)
	if err != nil || n != msize {
		t.Fatalf("RPC(%d bytes) = %d, %v; want %d, nil", msize, n, err, msize)
	}
	want := slices.Clone(big)
	slices.Reverse(want)
	if !bytes.Equal(reply, want) {
		t.Errorf("RPC reply is not the device's reply")
	}
	if !bytes.Equal(s.requests[0], big) {
		t.Errorf("device read a different request")
	}
}

func TestRPCTooLarge(t *testing.T) {
	d, tr, _ := newServed(t, 4096, echo)
	reply := make([]byte, 8192)
	if n, err := d.RPC(make([]byte, 4097), reply); n != 0 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("RPC(4097-byte request, msize 4096) = %d, %v; want 0, ErrTooLarge", n, err)
	}
	if n, err := d.RPC(nil, reply); n != 0 || err == nil {
		t.Errorf("RPC(empty request) = %d, %v; want 0 and an error", n, err)
	}
	if tr.notifies != 0 || tr.queue.pending() != 0 {
		t.Errorf("rejected requests: %d notifies, %d buffers offered; want none", tr.notifies, tr.queue.pending())
	}
	// The device is still usable.
	if n, err := d.RPC([]byte("Tok"), reply); n != 4 || err != nil || string(reply[:n]) != "RTok" {
		t.Errorf("RPC after ErrTooLarge = %d, %v, %q; want 4, nil, \"RTok\"", n, err, reply[:n])
	}
}

// Many sequential RPCs on an 8-entry queue: each frees its two descriptors.
func TestRPCFreesDescriptors(t *testing.T) {
	d, tr, s := newServed(t, 4096, echo)
	reply := make([]byte, 4096)
	const rounds = 100
	for i := range rounds {
		req := fmt.Appendf(nil, "T%d", i)
		n, err := d.RPC(req, reply)
		if err != nil {
			t.Fatalf("RPC #%d error: %v", i, err)
		}
		if want := echo(req); !bytes.Equal(reply[:n], want) {
			t.Fatalf("RPC #%d = %q, want %q", i, reply[:n], want)
		}
		if d.q.InFlight() != 0 {
			t.Fatalf("after RPC #%d InFlight() = %d, want 0", i, d.q.InFlight())
		}
	}
	if tr.queue.size != 8 || len(s.requests) != rounds || tr.notifies != rounds {
		t.Errorf("queue size %d, %d requests, %d notifies; want 8, %d, %d", tr.queue.size, len(s.requests), tr.notifies, rounds, rounds)
	}
	if tr.resets != 1 {
		t.Errorf("Reset called %d times, want 1 (in New)", tr.resets)
	}
}

// The device completes only on the second wait: RPC waits, acknowledges
// the interrupt after each wait and then returns the reply.
func TestRPCWaits(t *testing.T) {
	tr := newFakeTransport(t)
	s := &server{t: t, tr: tr, reply: echo}
	waits := 0
	wait := func() error {
		waits++
		tr.events = append(tr.events, fmt.Sprintf("wait %d", waits))
		if waits == 2 {
			s.serve()
		}
		return nil
	}
	d, err := New(tr, tr.mem.alloc, 4096, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	tr.events = nil
	reply := make([]byte, 100)
	n, err := d.RPC([]byte("Tw"), reply)
	if err != nil || string(reply[:n]) != "RTw" {
		t.Fatalf("RPC() = %d, %v, %q; want 3, nil, \"RTw\"", n, err, reply[:n])
	}
	if waits != 2 {
		t.Errorf("wait called %d times, want 2", waits)
	}
	if tr.acks != 2 {
		t.Errorf("AckInterrupt called %d times, want 2 (once after each wait)", tr.acks)
	}
	if want := []string{"notify 0", "wait 1", "ack", "wait 2", "ack"}; !slices.Equal(tr.events, want) {
		t.Errorf("events = %v, want %v", tr.events, want)
	}
}

// An error from wait is returned as is and does not reset the device.
func TestRPCWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	errWait := errors.New("wait: interrupted")
	d, err := New(tr, tr.mem.alloc, 4096, func() error { return errWait })
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	n, err := d.RPC([]byte("T"), make([]byte, 10))
	if n != 0 || !errors.Is(err, errWait) {
		t.Errorf("RPC() = %d, %v; want 0, %v", n, err, errWait)
	}
	// The device still owns the buffers: it is reset and not used again.
	if tr.resets != 2 || tr.acks != 0 {
		t.Errorf("after a wait error: %d resets, %d acks; want 2 (New's and the abandon), 0", tr.resets, tr.acks)
	}
}

// BUG: after a wait error the driver abandons the chain but the device
// still owns both buffers; the next RPC overwrites the request buffer the
// device may still be reading, and when the device completes the
// abandoned chain the next RPC blames the device ("completed descriptor
// 0, want 2") and resets it.
func TestRPCAfterWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	s := &server{t: t, tr: tr, reply: echo}
	errWait := errors.New("wait: timed out")
	failWait := true
	wait := func() error {
		if failWait {
			return errWait
		}
		s.serve()
		return nil
	}
	d, err := New(tr, tr.mem.alloc, 4096, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	// The device takes the first request but is slow to answer.
	var slowHead uint16
	var slowIn []byte
	var slowReq desc
	tr.onNotify = func() {
		slowHead, _, slowIn = s.take()
		slowReq = s.chains[0][0]
		tr.onNotify = nil
	}
	reply := make([]byte, 100)
	if _, err := d.RPC([]byte("Tslow"), reply); !errors.Is(err, errWait) {
		t.Fatalf("RPC(Tslow) = %v, want %v", err, errWait)
	}
	resets := tr.resets
	// Now the device answers the first request, then the second.
	failWait = false
	tr.onNotify = func() {
		if got := tr.mem.at(slowReq.addr, int(slowReq.len)); !bytes.Equal(got, []byte("Tslow")) {
			t.Errorf("the device still owns the request buffer of Tslow, but it now holds %q, want \"Tslow\"", got)
		}
		copy(slowIn, "RTslow")
		tr.queue.complete(uint32(slowHead), 6)
	}
	n, err := d.RPC([]byte("Tnext"), reply)
	if err == nil && string(reply[:n]) != "RTnext" {
		t.Errorf("RPC(Tnext) = %q, want \"RTnext\" (or an error)", reply[:n])
	}
	if tr.resets != resets {
		t.Errorf("RPC(Tnext) = %v and reset a device that only answered late; want either the reply or the failure reported at the wait error", err)
	}
}

// A device that breaks the protocol fails the RPC, is reset, and every
// later RPC fails at once without touching it.
func TestRPCBadDevice(t *testing.T) {
	tests := []struct {
		name string
		// answer completes the chain (head, chain) wrongly.
		answer func(q *devQueue, head uint16, chain []desc)
	}{
		{"completes the reply descriptor, not the head", func(q *devQueue, head uint16, chain []desc) {
			q.complete(uint32(q.descriptor(head).next), 1)
		}},
		{"completes a descriptor not in flight", func(q *devQueue, head uint16, _ []desc) {
			q.complete(uint32((head+4)%q.size), 1)
		}},
		{"completes a descriptor beyond the queue", func(q *devQueue, _ uint16, _ []desc) {
			q.complete(uint32(q.size), 1)
		}},
		{"completes id 0xffffffff", func(q *devQueue, _ uint16, _ []desc) {
			q.complete(0xffffffff, 1)
		}},
		{"used length one more than the reply buffer", func(q *devQueue, head uint16, chain []desc) {
			q.complete(uint32(head), chain[1].len+1)
		}},
		{"used length the whole chain", func(q *devQueue, head uint16, chain []desc) {
			q.complete(uint32(head), chain[0].len+chain[1].len)
		}},
		{"used length beyond the chain", func(q *devQueue, head uint16, chain []desc) {
			q.complete(uint32(head), chain[0].len+chain[1].len+1)
		}},
		{"used length 0xffffffff", func(q *devQueue, head uint16, _ []desc) {
			q.complete(uint32(head), 0xffffffff)
		}},
		{"used index jumps past the queue size", func(q *devQueue, head uint16, _ []desc) {
			q.putUsed(uint32(head), 1)
			q.setUsedIdx(q.usedIdx + q.size + 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			// The reply buffer (60 bytes) is shorter than msize, so the
			// driver, not only the queue, must check the used length.
			d, err := New(tr, tr.mem.alloc, 4096, noWait)
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			s := &server{t: t, tr: tr, reply: echo}
			tr.onNotify = s.serve
			reply := make([]byte, 60)
			if _, err := d.RPC([]byte("Tgood"), reply); err != nil {
				t.Fatalf("first RPC error: %v", err)
			}
			tr.onNotify = func() {
				head, chain := tr.queue.take()
				tt.answer(tr.queue, head, chain)
			}
			resets := tr.resets
			clear(reply)
			n, err := d.RPC([]byte("Tbad"), reply)
			if n != 0 || err == nil {
				t.Fatalf("RPC to a bad device = %d, %v; want 0 and an error", n, err)
			}
			if tr.resets != resets+1 {
				t.Errorf("Reset called %d times after the bad answer, want 1", tr.resets-resets)
			}
			if !bytes.Equal(reply, make([]byte, len(reply))) {
				t.Errorf("RPC to a bad device wrote into the reply: %q", reply)
			}
			// Later RPCs fail fast, even if the device now behaves.
			tr.onNotify = s.serve
			notifies := tr.notifies
			for i := range 3 {
				if n, err2 := d.RPC([]byte("Tlater"), reply); n != 0 || err2 == nil || err2.Error() != err.Error() {
					t.Errorf("RPC #%d after the failure = %d, %v; want 0, %v", i, n, err2, err)
				}
			}
			if tr.notifies != notifies || tr.resets != resets+1 {
				t.Errorf("RPCs after the failure: %d notifies, %d resets; want none", tr.notifies-notifies, tr.resets-resets-1)
			}
		})
	}
}

// A device that writes nothing into the reply gives a zero-length reply.
func TestRPCEmptyReply(t *testing.T) {
	d, _, _ := newServed(t, 4096, func([]byte) []byte { return nil })
	reply := []byte("unchanged")
	if n, err := d.RPC([]byte("T"), reply); n != 0 || err != nil || string(reply) != "unchanged" {
		t.Errorf("RPC() = %d, %v, %q; want 0, nil, \"unchanged\"", n, err, reply)
	}
}

// RPC from several goroutines: one request in flight at a time, each
// gets its own reply.
func TestRPCConcurrent(t *testing.T) {
	d, _, s := newServed(t, 4096, echo)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			reply := make([]byte, 64)
			for i := range 50 {
				req := fmt.Appendf(nil, "T%d.%d", g, i)
				n, err := d.RPC(req, reply)
				if err != nil || !bytes.Equal(reply[:n], echo(req)) {
					t.Errorf("RPC(%q) = %q, %v; want %q, nil", req, reply[:n], err, echo(req))
					return
				}
			}
		})
	}
	wg.Wait()
	if len(s.requests) != 200 {
		t.Errorf("device served %d requests, want 200", len(s.requests))
	}
}
