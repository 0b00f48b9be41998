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
	"unigo/drivers/virtio/virtiotest"
)

// The fake device is virtiotest's; these names keep the tests short.
type (
	fakeTransport = virtiotest.Transport
	devQueue      = virtiotest.Queue
	desc          = virtiotest.Desc
)

const (
	flagNext  = virtiotest.FlagNext
	flagWrite = virtiotest.FlagWrite
)

func tagConfig(tag string) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(tag)))
	return append(b, tag...)
}

// newFakeTransport returns a virtio 9P device offering MOUNT_TAG and two
// features the driver does not know, with a 128-entry request queue and
// the tag "hostshare".
func newFakeTransport(t *testing.T) *fakeTransport {
	tr := virtiotest.NewTransport(t)
	tr.QueueIndex = requestQueue
	tr.Offered = virtio.FeatureVersion1 | FeatureMountTag | 1<<5 | 1<<40
	tr.QueueNumMax = 128
	tr.ConfigSpace = tagConfig("hostshare")
	return tr
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
	head, chain := s.tr.Queue.Take()
	s.chains = append(s.chains, chain)
	if len(chain) != 2 {
		s.t.Fatalf("chain from %d has %d descriptors %+v, want 2", head, len(chain), chain)
	}
	if chain[0].Flags != flagNext {
		s.t.Errorf("request descriptor flags = %#x, want NEXT (%#x) only", chain[0].Flags, flagNext)
	}
	if chain[1].Flags != flagWrite {
		s.t.Errorf("reply descriptor flags = %#x, want WRITE (%#x) only", chain[1].Flags, flagWrite)
	}
	req := bytes.Clone(s.tr.Mem.At(chain[0].Addr, int(chain[0].Len)))
	s.requests = append(s.requests, req)
	return head, req, s.tr.Mem.At(chain[1].Addr, int(chain[1].Len))
}

// serve answers every request pending.
func (s *server) serve() {
	s.t.Helper()
	for s.tr.Queue.Pending() > 0 {
		head, req, in := s.take()
		r := s.reply(req)
		if len(r) > len(in) {
			s.t.Fatalf("canned reply of %d bytes does not fit the %d-byte reply buffer", len(r), len(in))
		}
		copy(in, r)
		s.tr.Queue.Complete(uint32(head), uint32(len(r)))
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
	tr.OnNotify = s.serve
	d, err := New(tr, tr.Mem.Alloc, msize, noWait)
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
			tr.Offered = tt.offered
			tr.ConfigSpace = tt.config
			d, err := New(tr, tr.Mem.Alloc, 8192, noWait)
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if tr.Accepted != tt.accepted {
				t.Errorf("accepted features = %#x, want %#x", tr.Accepted, tt.accepted)
			}
			if d.Tag != tt.tag {
				t.Errorf("Tag = %q, want %q", d.Tag, tt.tag)
			}
			if tt.accepted&FeatureMountTag == 0 && tr.ConfigReads != 0 {
				t.Errorf("read config %d times without MOUNT_TAG, want 0", tr.ConfigReads)
			}
			if want := []uint8{ack, ack | drv, ack | drv | fok, ack | drv | fok | dok}; !bytes.Equal(tr.StatusLog, want) {
				t.Errorf("SetStatus sequence = %v, want %v", tr.StatusLog, want)
			}
			if tr.Events[0] != "reset" {
				t.Errorf("first step = %q (events %v), want reset", tr.Events[0], tr.Events)
			}
			if i, j := slices.Index(tr.Events, "setup 0"), slices.Index(tr.Events, "status=15"); i < 0 || i > j {
				t.Errorf("events %v: want the queue set up before DRIVER_OK", tr.Events)
			}
			if tr.Queue == nil || tr.Queue.Size != 8 {
				t.Errorf("queue = %+v, want 8 entries (min of the device's 128 and 8)", tr.Queue)
			}
			if d.Msize() != 8192 {
				t.Errorf("Msize() = %d, want 8192", d.Msize())
			}
			if tr.Notifies != 0 {
				t.Errorf("New notified %d times, want 0", tr.Notifies)
			}
		})
	}
}

func TestNewQueueSize(t *testing.T) {
	for _, tt := range []struct{ max, want uint16 }{{128, 8}, {8, 8}, {6, 4}, {1, 1}} {
		tr := newFakeTransport(t)
		tr.QueueNumMax = tt.max
		if _, err := New(tr, tr.Mem.Alloc, 4096, noWait); err != nil {
			t.Fatalf("New() with QueueMax %d: %v", tt.max, err)
		}
		if tr.Queue.Size != tt.want {
			t.Errorf("queue size with QueueMax %d = %d, want %d", tt.max, tr.Queue.Size, tt.want)
		}
	}
}

func TestNewMsize(t *testing.T) {
	for _, msize := range []int{-1, 0, 1, 4095} {
		tr := newFakeTransport(t)
		d, err := New(tr, tr.Mem.Alloc, msize, noWait)
		if err == nil || d != nil {
			t.Errorf("New(msize %d) = %v, %v; want nil and an error", msize, d, err)
		}
		if len(tr.Events) != 0 || tr.Mem.Allocs != 0 {
			t.Errorf("New(msize %d) touched the device (events %v, %d allocations), want nothing", msize, tr.Events, tr.Mem.Allocs)
		}
	}
	for _, msize := range []int{4096, 4097, 65536} {
		tr := newFakeTransport(t)
		d, err := New(tr, tr.Mem.Alloc, msize, noWait)
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
		{"no VERSION_1", func(tr *fakeTransport) { tr.Offered = FeatureMountTag }},
		{"no features", func(tr *fakeTransport) { tr.Offered = 0 }},
		{"FEATURES_OK does not stick", func(tr *fakeTransport) { tr.RefuseFeaturesOK = true }},
		{"tag of 257 bytes", func(tr *fakeTransport) {
			tr.ConfigSpace = tagConfig(string(bytes.Repeat([]byte("t"), maxTag+1)))
		}},
		{"tag length 0xffff", func(tr *fakeTransport) { tr.ConfigSpace = []byte{0xff, 0xff, 'a'} }},
		{"no request queue", func(tr *fakeTransport) { tr.QueueNumMax = 0 }},
		{"DMA fails for the queue", func(tr *fakeTransport) { tr.Mem.Fail = 1 }},
		{"DMA fails for the request buffer", func(tr *fakeTransport) { tr.Mem.Fail = 2 }},
		{"DMA fails for the reply buffer", func(tr *fakeTransport) { tr.Mem.Fail = 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			tt.setup(tr)
			d, err := New(tr, tr.Mem.Alloc, 4096, noWait)
			if err == nil || d != nil {
				t.Fatalf("New() = %v, %v; want nil and an error", d, err)
			}
			if slices.ContainsFunc(tr.StatusLog, func(s uint8) bool { return s&dok != 0 }) {
				t.Errorf("SetStatus sequence %v sets DRIVER_OK, want never", tr.StatusLog)
			}
			if last := tr.StatusLog[len(tr.StatusLog)-1]; last != virtio.StatusFailed {
				t.Errorf("last SetStatus = %d (sequence %v), want FAILED (%d)", last, tr.StatusLog, virtio.StatusFailed)
			}
			if tr.Notifies != 0 {
				t.Errorf("notified %d times, want 0", tr.Notifies)
			}
		})
	}
}

// New refuses a device without VERSION_1 before setting anything up.
func TestNewNoVersion1(t *testing.T) {
	tr := newFakeTransport(t)
	tr.Offered = FeatureMountTag | 1<<5
	if _, err := New(tr, tr.Mem.Alloc, 4096, noWait); err == nil {
		t.Fatalf("New() without VERSION_1 = nil error, want an error")
	}
	if tr.Queue != nil || tr.Mem.Allocs != 0 || tr.ConfigReads != 0 {
		t.Errorf("without VERSION_1: queue %v, %d allocations, %d config reads; want none", tr.Queue, tr.Mem.Allocs, tr.ConfigReads)
	}
	if tr.Accepted != 0 {
		t.Errorf("accepted features = %#x, want 0 (never written)", tr.Accepted)
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
	if c[0].Len != uint32(len(req)) {
		t.Errorf("request descriptor length = %d, want %d", c[0].Len, len(req))
	}
	if c[1].Len != uint32(len(reply)) {
		t.Errorf("reply descriptor length = %d, want %d (len(reply))", c[1].Len, len(reply))
	}
	if c[0].Addr == c[1].Addr {
		t.Errorf("request and reply descriptors share address %#x", c[0].Addr)
	}
	if tr.Notifies != 1 {
		t.Errorf("notifies = %d, want 1", tr.Notifies)
	}
	if tr.Acks != 0 {
		t.Errorf("AckInterrupt called %d times for an RPC completed before any wait, want 0", tr.Acks)
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
		if got := s.chains[0][1].Len; got != uint32(tt.want) {
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
	if tr.Notifies != 0 || tr.Queue.Pending() != 0 {
		t.Errorf("rejected requests: %d notifies, %d buffers offered; want none", tr.Notifies, tr.Queue.Pending())
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
	if tr.Queue.Size != 8 || len(s.requests) != rounds || tr.Notifies != rounds {
		t.Errorf("queue size %d, %d requests, %d notifies; want 8, %d, %d", tr.Queue.Size, len(s.requests), tr.Notifies, rounds, rounds)
	}
	if tr.Resets != 1 {
		t.Errorf("Reset called %d times, want 1 (in New)", tr.Resets)
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
		tr.Events = append(tr.Events, fmt.Sprintf("wait %d", waits))
		if waits == 2 {
			s.serve()
		}
		return nil
	}
	d, err := New(tr, tr.Mem.Alloc, 4096, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	tr.Events = nil
	reply := make([]byte, 100)
	n, err := d.RPC([]byte("Tw"), reply)
	if err != nil || string(reply[:n]) != "RTw" {
		t.Fatalf("RPC() = %d, %v, %q; want 3, nil, \"RTw\"", n, err, reply[:n])
	}
	if waits != 2 {
		t.Errorf("wait called %d times, want 2", waits)
	}
	if tr.Acks != 2 {
		t.Errorf("AckInterrupt called %d times, want 2 (once after each wait)", tr.Acks)
	}
	if want := []string{"notify 0", "wait 1", "ack", "wait 2", "ack"}; !slices.Equal(tr.Events, want) {
		t.Errorf("events = %v, want %v", tr.Events, want)
	}
}

// An error from wait is returned as is and does not reset the device.
func TestRPCWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	errWait := errors.New("wait: interrupted")
	d, err := New(tr, tr.Mem.Alloc, 4096, func() error { return errWait })
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	n, err := d.RPC([]byte("T"), make([]byte, 10))
	if n != 0 || !errors.Is(err, errWait) {
		t.Errorf("RPC() = %d, %v; want 0, %v", n, err, errWait)
	}
	// The device still owns the buffers: it is reset and not used again.
	if tr.Resets != 2 || tr.Acks != 0 {
		t.Errorf("after a wait error: %d resets, %d acks; want 2 (New's and the abandon), 0", tr.Resets, tr.Acks)
	}
}

// Regression: after a wait error the device still owns both buffers. The
// driver once reused them for the next RPC and later blamed the device
// for completing the abandoned chain; now the wait error fails the device
// for good, so no buffer it owns is touched again.
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
	d, err := New(tr, tr.Mem.Alloc, 4096, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	// The device takes the first request but is slow to answer.
	var slowHead uint16
	var slowIn []byte
	var slowReq desc
	tr.OnNotify = func() {
		slowHead, _, slowIn = s.take()
		slowReq = s.chains[0][0]
		tr.OnNotify = nil
	}
	reply := make([]byte, 100)
	if _, err := d.RPC([]byte("Tslow"), reply); !errors.Is(err, errWait) {
		t.Fatalf("RPC(Tslow) = %v, want %v", err, errWait)
	}
	resets := tr.Resets
	// Now the device answers the first request, then the second.
	failWait = false
	tr.OnNotify = func() {
		if got := tr.Mem.At(slowReq.Addr, int(slowReq.Len)); !bytes.Equal(got, []byte("Tslow")) {
			t.Errorf("the device still owns the request buffer of Tslow, but it now holds %q, want \"Tslow\"", got)
		}
		copy(slowIn, "RTslow")
		tr.Queue.Complete(uint32(slowHead), 6)
	}
	n, err := d.RPC([]byte("Tnext"), reply)
	if err == nil && string(reply[:n]) != "RTnext" {
		t.Errorf("RPC(Tnext) = %q, want \"RTnext\" (or an error)", reply[:n])
	}
	if tr.Resets != resets {
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
			q.Complete(uint32(q.Descriptor(head).Next), 1)
		}},
		{"completes a descriptor not in flight", func(q *devQueue, head uint16, _ []desc) {
			q.Complete(uint32((head+4)%q.Size), 1)
		}},
		{"completes a descriptor beyond the queue", func(q *devQueue, _ uint16, _ []desc) {
			q.Complete(uint32(q.Size), 1)
		}},
		{"completes id 0xffffffff", func(q *devQueue, _ uint16, _ []desc) {
			q.Complete(0xffffffff, 1)
		}},
		{"used length one more than the reply buffer", func(q *devQueue, head uint16, chain []desc) {
			q.Complete(uint32(head), chain[1].Len+1)
		}},
		{"used length the whole chain", func(q *devQueue, head uint16, chain []desc) {
			q.Complete(uint32(head), chain[0].Len+chain[1].Len)
		}},
		{"used length beyond the chain", func(q *devQueue, head uint16, chain []desc) {
			q.Complete(uint32(head), chain[0].Len+chain[1].Len+1)
		}},
		{"used length 0xffffffff", func(q *devQueue, head uint16, _ []desc) {
			q.Complete(uint32(head), 0xffffffff)
		}},
		{"used index jumps past the queue size", func(q *devQueue, head uint16, _ []desc) {
			q.PutUsed(uint32(head), 1)
			q.SetUsedIdx(q.UsedIdx + q.Size + 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			// The reply buffer (60 bytes) is shorter than msize, so the
			// driver, not only the queue, must check the used length.
			d, err := New(tr, tr.Mem.Alloc, 4096, noWait)
			if err != nil {
				t.Fatalf("New() error: %v", err)
			}
			s := &server{t: t, tr: tr, reply: echo}
			tr.OnNotify = s.serve
			reply := make([]byte, 60)
			if _, err := d.RPC([]byte("Tgood"), reply); err != nil {
				t.Fatalf("first RPC error: %v", err)
			}
			tr.OnNotify = func() {
				head, chain := tr.Queue.Take()
				tt.answer(tr.Queue, head, chain)
			}
			resets := tr.Resets
			clear(reply)
			n, err := d.RPC([]byte("Tbad"), reply)
			if n != 0 || err == nil {
				t.Fatalf("RPC to a bad device = %d, %v; want 0 and an error", n, err)
			}
			if tr.Resets != resets+1 {
				t.Errorf("Reset called %d times after the bad answer, want 1", tr.Resets-resets)
			}
			if !bytes.Equal(reply, make([]byte, len(reply))) {
				t.Errorf("RPC to a bad device wrote into the reply: %q", reply)
			}
			// Later RPCs fail fast, even if the device now behaves.
			tr.OnNotify = s.serve
			notifies := tr.Notifies
			for i := range 3 {
				if n, err2 := d.RPC([]byte("Tlater"), reply); n != 0 || err2 == nil || err2.Error() != err.Error() {
					t.Errorf("RPC #%d after the failure = %d, %v; want 0, %v", i, n, err2, err)
				}
			}
			if tr.Notifies != notifies || tr.Resets != resets+1 {
				t.Errorf("RPCs after the failure: %d notifies, %d resets; want none", tr.Notifies-notifies, tr.Resets-resets-1)
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
