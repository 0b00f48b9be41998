package virtiorng

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
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

const flagWrite = virtiotest.FlagWrite

// newFakeTransport returns a virtio entropy device: VERSION_1 only, a
// 64-entry request queue and no configuration (§5.4.4).
func newFakeTransport(t *testing.T) *fakeTransport {
	tr := virtiotest.NewTransport(t)
	tr.QueueIndex = requestQueue
	tr.QueueNumMax = 64
	return tr
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
	head, chain := s.tr.Queue.Take()
	if len(chain) != 1 {
		s.t.Fatalf("request %d is a chain of %d descriptors %+v, want 1", len(s.requests), len(chain), chain)
	}
	d := chain[0]
	s.requests = append(s.requests, d)
	if d.Flags != flagWrite {
		s.t.Errorf("request %d descriptor flags = %#x, want WRITE (%#x) only", len(s.requests)-1, d.Flags, flagWrite)
	}
	return head, s.tr.Mem.At(d.Addr, int(d.Len))
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
	for s.tr.Queue.Pending() > 0 {
		head, buf := s.take()
		n := s.fill(len(s.requests)-1, buf)
		s.tr.Queue.Complete(uint32(head), uint32(n))
	}
}

func noWait() error { return nil }

// newServed returns a device whose source answers at once on Notify.
func newServed(t *testing.T, sizes ...int) (*Device, *fakeTransport, *source) {
	t.Helper()
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr, sizes: sizes}
	tr.OnNotify = s.serve
	d, err := New(tr, tr.Mem.Alloc, noWait)
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
			tr.Offered = offered
			if _, err := New(tr, tr.Mem.Alloc, noWait); err != nil {
				t.Fatalf("New() error: %v", err)
			}
			if tr.Accepted != virtio.FeatureVersion1 {
				t.Errorf("accepted features = %#x, want %#x (VERSION_1 only, §5.4.3)", tr.Accepted, uint64(virtio.FeatureVersion1))
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
			if tr.Queue == nil || tr.Queue.Size != 4 {
				t.Errorf("queue = %+v, want 4 entries (min of the device's 64 and 4)", tr.Queue)
			}
			if tr.ConfigReads != 0 || tr.Notifies != 0 {
				t.Errorf("New: %d config reads, %d notifies; want 0, 0", tr.ConfigReads, tr.Notifies)
			}
		})
	}
}

func TestNewQueueSize(t *testing.T) {
	for _, tt := range []struct{ max, want uint16 }{{64, 4}, {4, 4}, {3, 2}, {1, 1}} {
		tr := newFakeTransport(t)
		tr.QueueNumMax = tt.max
		if _, err := New(tr, tr.Mem.Alloc, noWait); err != nil {
			t.Fatalf("New() with QueueMax %d: %v", tt.max, err)
		}
		if tr.Queue.Size != tt.want {
			t.Errorf("queue size with QueueMax %d = %d, want %d", tt.max, tr.Queue.Size, tt.want)
		}
	}
}

func TestNewFails(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeTransport)
	}{
		{"no VERSION_1", func(tr *fakeTransport) { tr.Offered = 1<<0 | 1<<28 }},
		{"no features", func(tr *fakeTransport) { tr.Offered = 0 }},
		{"FEATURES_OK does not stick", func(tr *fakeTransport) { tr.RefuseFeaturesOK = true }},
		{"no request queue", func(tr *fakeTransport) { tr.QueueNumMax = 0 }},
		{"DMA fails for the queue", func(tr *fakeTransport) { tr.Mem.Fail = 1 }},
		{"DMA fails for the buffer", func(tr *fakeTransport) { tr.Mem.Fail = 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newFakeTransport(t)
			tt.setup(tr)
			d, err := New(tr, tr.Mem.Alloc, noWait)
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
		l = append(l, d.Len)
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
			if tr.Notifies != len(s.requests) {
				t.Errorf("notifies = %d, want %d (one per request)", tr.Notifies, len(s.requests))
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
	if tr.Notifies != 0 {
		t.Errorf("empty Reads notified %d times, want 0", tr.Notifies)
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
	if tr.Queue.Size != 4 || len(s.requests) != 200 {
		t.Errorf("queue size %d, %d requests; want 4, 200", tr.Queue.Size, len(s.requests))
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
		notifies := tr.Notifies
		if n, err := d.Read(make([]byte, 10)); n != 0 || !errors.Is(err, ErrDevice) {
			t.Errorf("Read after the failure = %d, %v; want 0, ErrDevice", n, err)
		}
		if tr.Notifies != notifies {
			t.Errorf("Read after the failure notified %d times, want 0", tr.Notifies-notifies)
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

// Regression: a device answering zero bytes "twice in a row" is reported;
// the empty counter once was never reset after a non-empty answer, so two
// empty answers anywhere in one Read failed it.
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
			q.Complete(uint32((head+1)%q.Size), 1)
		}},
		{"completes a descriptor beyond the queue", func(q *devQueue, _ uint16, _ desc) {
			q.Complete(uint32(q.Size), 1)
		}},
		{"completes id 0xffffffff", func(q *devQueue, _ uint16, _ desc) {
			q.Complete(0xffffffff, 1)
		}},
		{"used length beyond the buffer", func(q *devQueue, head uint16, d desc) {
			q.Complete(uint32(head), d.Len+1)
		}},
		{"used length 0xffffffff", func(q *devQueue, head uint16, _ desc) {
			q.Complete(uint32(head), 0xffffffff)
		}},
		{"used index jumps past the queue size", func(q *devQueue, head uint16, _ desc) {
			q.PutUsed(uint32(head), 1)
			q.SetUsedIdx(q.UsedIdx + q.Size + 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, tr, s := newServed(t)
			// The first request is answered well, the second badly.
			tr.OnNotify = func() {
				s.serve()
				tr.OnNotify = func() {
					head, chain := tr.Queue.Take()
					tt.answer(tr.Queue, head, chain[0])
				}
			}
			resets := tr.Resets
			b := make([]byte, 300)
			n, err := d.Read(b)
			if n != 256 || !errors.Is(err, ErrDevice) {
				t.Fatalf("Read(300) from a device answering the second request badly = %d, %v; want 256, ErrDevice", n, err)
			}
			if !bytes.Equal(b[:256], patternFrom(0, 256)) {
				t.Errorf("Read(300) = % x..., want the first 256 device bytes", b[:16])
			}
			if tr.Resets != resets+1 {
				t.Errorf("Reset called %d times after the bad answer, want 1", tr.Resets-resets)
			}
			tr.OnNotify = s.serve
			notifies := tr.Notifies
			for i := range 3 {
				if n, err2 := d.Read(b); n != 0 || !errors.Is(err2, ErrDevice) {
					t.Errorf("Read #%d after the failure = %d, %v; want 0, ErrDevice", i, n, err2)
				}
			}
			if tr.Notifies != notifies || tr.Resets != resets+1 {
				t.Errorf("Reads after the failure: %d notifies, %d resets; want none", tr.Notifies-notifies, tr.Resets-resets-1)
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
		tr.Events = append(tr.Events, fmt.Sprintf("wait %d", waits))
		if waits%2 == 0 {
			s.serve()
		}
		return nil
	}
	d, err := New(tr, tr.Mem.Alloc, wait)
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	tr.Events = nil
	b := make([]byte, 300)
	if n, err := d.Read(b); n != 300 || err != nil || !bytes.Equal(b, patternFrom(0, 300)) {
		t.Fatalf("Read(300) = %d, %v; want 300, nil and the device's bytes", n, err)
	}
	if waits != 4 || tr.Acks != 4 {
		t.Errorf("wait called %d times, AckInterrupt %d; want 4, 4 (two per request)", waits, tr.Acks)
	}
	want := []string{"notify 0", "wait 1", "ack", "wait 2", "ack", "notify 0", "wait 3", "ack", "wait 4", "ack"}
	if !slices.Equal(tr.Events, want) {
		t.Errorf("events = %v, want %v", tr.Events, want)
	}
}

// An error from wait is returned with the bytes read so far.
func TestReadWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr}
	// The device answers the first two requests at once, then goes quiet.
	tr.OnNotify = func() {
		if len(s.requests) < 2 {
			s.serve()
		}
	}
	errWait := errors.New("wait: interrupted")
	d, err := New(tr, tr.Mem.Alloc, func() error { return errWait })
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
	if tr.Resets != 2 || tr.Acks != 0 {
		t.Errorf("after a wait error: %d resets, %d acks; want 2 (New's and the abandon), 0", tr.Resets, tr.Acks)
	}
}

// Regression: after a wait error the device still owns the buffer. The
// driver once cleared it for the next Read and later blamed the device for
// completing the abandoned request; now the wait error fails the device
// for good, so the buffer it owns is not touched again.
func TestReadAfterWaitError(t *testing.T) {
	tr := newFakeTransport(t)
	s := &source{t: t, tr: tr}
	errWait := errors.New("wait: timed out")
	failWait := true
	d, err := New(tr, tr.Mem.Alloc, func() error {
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
	tr.OnNotify = func() {
		slowHead, slowBuf = s.take()
		s.fill(0, slowBuf[:100])
		tr.OnNotify = nil
	}
	if _, err := d.Read(make([]byte, 256)); !errors.Is(err, errWait) {
		t.Fatalf("Read(256) = %v, want %v", err, errWait)
	}
	resets := tr.Resets
	failWait = false
	tr.OnNotify = func() {
		if !bytes.Equal(slowBuf[:100], patternFrom(0, 100)) {
			t.Errorf("the driver changed the buffer the device still owns: % x..., want % x...", slowBuf[:8], patternFrom(0, 8))
		}
		tr.Queue.Complete(uint32(slowHead), 100)
	}
	b := make([]byte, 10)
	n, err := d.Read(b)
	if tr.Resets != resets {
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
	tr.OnNotify = func() {
		head, buf := s.take()
		tr.Queue.Complete(uint32(head), uint32(len(buf))) // writes nothing
	}
	second := make([]byte, 256)
	if n, err := d.Read(second); n != 256 || err != nil {
		t.Fatalf("second Read(256) = %d, %v; want 256, nil", n, err)
	}
	if bytes.Equal(second, first) {
		t.Errorf("second Read returned the first Read's bytes again (% x...)", second[:8])
	}
}
