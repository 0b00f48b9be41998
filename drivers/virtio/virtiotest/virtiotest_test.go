package virtiotest_test

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"unigo/drivers/virtio"
	"unigo/drivers/virtio/virtiotest"
)

// A driver's round trip through the fake: negotiate, set the queue up,
// offer a two-part chain; the device reads the first part, writes the
// second and completes the chain; the driver takes it back.
func TestRoundTrip(t *testing.T) {
	tr := virtiotest.NewTransport(t)
	tr.Offered = virtio.FeatureVersion1 | 1<<3
	tr.QueueIndex = 1
	tr.QueueNumMax = 16
	features, err := virtio.Negotiate(tr, "test", 1<<3|1<<4)
	if err != nil {
		t.Fatalf("Negotiate() error: %v", err)
	}
	if features != virtio.FeatureVersion1|1<<3 || tr.Accepted != features {
		t.Errorf("Negotiate() = %#x, Accepted %#x; want %#x", features, tr.Accepted, uint64(virtio.FeatureVersion1|1<<3))
	}
	if _, err := virtio.NewDeviceQueue(tr, 0, 8, tr.Mem.Alloc); err == nil {
		t.Errorf("NewDeviceQueue(0) succeeded, want an error: the device has queue 1 only")
	}
	q, err := virtio.NewDeviceQueue(tr, 1, 8, tr.Mem.Alloc)
	if err != nil {
		t.Fatalf("NewDeviceQueue(1) error: %v", err)
	}
	virtio.Ready(tr)
	if tr.Queue == nil || tr.Queue.Size != 8 {
		t.Fatalf("device queue = %+v, want 8 entries", tr.Queue)
	}

	out, outPhys, err := tr.Mem.Alloc(5)
	if err != nil {
		t.Fatalf("Alloc(5) error: %v", err)
	}
	in, inPhys, err := tr.Mem.Alloc(100)
	if err != nil {
		t.Fatalf("Alloc(100) error: %v", err)
	}
	if outPhys%4096 != 0 || inPhys%4096 != 0 || outPhys < virtiotest.MemBase {
		t.Errorf("Alloc addresses %#x, %#x; want 4 KiB aligned, from MemBase", outPhys, inPhys)
	}
	copy(out, "hello")

	var chains [][]virtiotest.Desc
	tr.OnNotify = func() {
		for tr.Queue.Pending() > 0 {
			head, chain := tr.Queue.Take()
			chains = append(chains, chain)
			req := tr.Mem.At(chain[0].Addr, int(chain[0].Len))
			n := copy(tr.Mem.At(chain[1].Addr, int(chain[1].Len)), bytes.ToUpper(req))
			tr.Queue.Complete(uint32(head), uint32(n))
		}
	}
	head, err := q.AddChain(
		virtio.Buffer{Addr: outPhys, Len: 5},
		virtio.Buffer{Addr: inPhys, Len: 100, Write: true},
	)
	if err != nil {
		t.Fatalf("AddChain() error: %v", err)
	}
	q.Publish()
	tr.Notify(1)

	want := []virtiotest.Desc{
		{Addr: outPhys, Len: 5, Flags: virtiotest.FlagNext, Next: chains[0][0].Next},
		{Addr: inPhys, Len: 100, Flags: virtiotest.FlagWrite},
	}
	if len(chains) != 1 || !slices.Equal(chains[0], want) {
		t.Errorf("device saw chains %+v, want [%+v]", chains, want)
	}
	id, n, ok, err := q.Used()
	if !ok || err != nil || id != head || n != 5 {
		t.Fatalf("Used() = %d, %d, %v, %v; want %d, 5, true, nil", id, n, ok, err, head)
	}
	if string(in[:n]) != "HELLO" {
		t.Errorf("reply = %q, want \"HELLO\"", in[:n])
	}
	if tr.Queue.UsedIdx != 1 || tr.Notifies != 1 || tr.Resets != 1 {
		t.Errorf("UsedIdx %d, %d notifies, %d resets; want 1, 1, 1", tr.Queue.UsedIdx, tr.Notifies, tr.Resets)
	}
	wantEvents := []string{"reset", "status=1", "status=3", "status=11", "setup 1", "status=15", "notify 1"}
	if !slices.Equal(tr.Events, wantEvents) {
		t.Errorf("events = %v, want %v", tr.Events, wantEvents)
	}
	if tr.AckInterrupt() != 1 || tr.Acks != 1 {
		t.Errorf("AckInterrupt: %d acks, want 1", tr.Acks)
	}
}

func TestTransportState(t *testing.T) {
	tr := virtiotest.NewTransport(t)
	if tr.Status() == 0 {
		t.Errorf("Status() before Reset = 0, want garbage")
	}
	tr.RefuseFeaturesOK = true
	if _, err := virtio.Negotiate(tr, "test", 0); err == nil {
		t.Errorf("Negotiate() with FEATURES_OK refused = nil error, want an error")
	}
	if want := []uint8{1, 3, 11, virtio.StatusFailed}; !slices.Equal(tr.StatusLog, want) {
		t.Errorf("StatusLog = %v, want %v", tr.StatusLog, want)
	}
	if got := tr.Config(0); got != 0 {
		t.Errorf("Config(0) with no ConfigSpace = %d, want 0", got)
	}
	tr.ConfigSpace = []byte{7, 8}
	if got := []byte{tr.Config(-1), tr.Config(0), tr.Config(1), tr.Config(2)}; !bytes.Equal(got, []byte{0, 7, 8, 0}) {
		t.Errorf("Config(-1..2) = %v, want [0 7 8 0]", got)
	}
	if tr.ConfigReads != 5 {
		t.Errorf("ConfigReads = %d, want 5", tr.ConfigReads)
	}
}

func TestMemFail(t *testing.T) {
	m := virtiotest.NewMem(t)
	m.Fail = 2
	for i, wantErr := range []bool{false, true, false} {
		if _, _, err := m.Alloc(10); (err != nil) != wantErr {
			t.Errorf("Alloc #%d error = %v, want an error: %v", i+1, err, wantErr)
		}
	}
	if m.Allocs != 3 {
		t.Errorf("Allocs = %d, want 3", m.Allocs)
	}
	mem, phys, _ := m.Alloc(3)
	if len(mem) != 3 || cap(mem) != 3 || !bytes.Equal(mem, []byte{0xa5, 0xa5, 0xa5}) {
		t.Errorf("Alloc(3) = % x (cap %d), want 3 bytes of garbage a5, capped", mem, cap(mem))
	}
	mem[1] = 9
	if got := m.At(phys+1, 1); got[0] != 9 {
		t.Errorf("At(phys+1) = %d, want 9: the same memory as Alloc's", got[0])
	}
}

// recorder is a testing.TB that records failures; Fatalf ends the
// goroutine, as testing's does.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// run calls f in its own goroutine, so that a Fatalf ends only f, and
// returns the failures it reported.
func (r *recorder) run(f func()) []string {
	r.errs = nil
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
	return r.errs
}

// The fake reports a driver's misuse.
func TestMisuse(t *testing.T) {
	r := &recorder{TB: t}
	tr := virtiotest.NewTransport(r)
	tr.Reset()
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Notify before DRIVER_OK", func() { tr.Notify(0) }},
		{"Notify another queue", func() { tr.SetStatus(15); tr.Notify(3) }},
		{"SetupQueue another queue", func() {
			mem, phys, _ := tr.Mem.Alloc(virtio.QueueBytes(4))
			q, _ := virtio.NewQueue(4, mem, phys)
			tr.SetupQueue(2, q)
		}},
		{"DMA of 0 bytes", func() { tr.Mem.Alloc(0) }},
		{"DMA beyond the memory", func() { tr.Mem.Alloc(8 << 20) }},
		{"access outside allocated memory", func() { tr.Mem.At(virtiotest.MemBase-1, 2) }},
		{"Take with nothing available", func() { tr.Queue.Take() }},
		{"descriptor beyond the queue", func() { tr.Queue.Descriptor(4) }},
	} {
		if errs := r.run(tt.f); len(errs) != 1 {
			t.Errorf("%s: reported %q, want one failure", tt.name, errs)
		}
	}
}
