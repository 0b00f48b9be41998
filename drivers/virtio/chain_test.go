package virtio

import (
	"encoding/binary"
	"errors"
	"testing"
)

// The device follows a chain through the descriptor table's next links.
func TestAddChainLinksDescriptors(t *testing.T) {
	q, dev := newTestQueue(t, 8)
	head, err := q.AddChain(Buffer{Addr: 0x1000, Len: 10}, Buffer{Addr: 0x2000, Len: 20}, Buffer{Addr: 0x3000, Len: 4096, Write: true})
	if err != nil {
		t.Fatalf("AddChain = %v, want nil", err)
	}
	q.Publish()
	id, d, ok := dev.take()
	if !ok || id != head {
		t.Fatalf("take() = %d, %v, want head %d", id, ok, head)
	}
	want := []struct {
		addr  uint64
		len   uint32
		flags uint16
	}{{0x1000, 10, descNext}, {0x2000, 20, descNext}, {0x3000, 4096, descWrite}}
	for i, w := range want {
		if d.addr != w.addr || d.len != w.len || d.flags != w.flags {
			t.Fatalf("descriptor %d of the chain = %#x/%d/%#x, want %#x/%d/%#x", i, d.addr, d.len, d.flags, w.addr, w.len, w.flags)
		}
		if d.flags&descNext != 0 {
			d = dev.descriptor(d.next)
		}
	}
	if q.InFlight() != 1 {
		t.Errorf("InFlight() = %d, want 1 (one chain)", q.InFlight())
	}
	dev.complete(head, 100)
	gotID, n, ok, err := q.Used()
	if err != nil || !ok || gotID != head || n != 100 {
		t.Fatalf("Used() = %d, %d, %v, %v; want %d, 100, true, nil", gotID, n, ok, err, head)
	}
	// All three descriptors are free again: eight one-buffer adds fit.
	for i := 0; i < 8; i++ {
		if _, err := q.Add(uint64(0x1000*i+0x1000), 1, false); err != nil {
			t.Fatalf("Add #%d after the chain completed = %v, want nil", i, err)
		}
	}
}

func TestAddChainRejects(t *testing.T) {
	q, _ := newTestQueue(t, 4)
	if _, err := q.AddChain(); !errors.Is(err, ErrEmptyBuffer) {
		t.Errorf("AddChain() = %v, want ErrEmptyBuffer", err)
	}
	if _, err := q.AddChain(Buffer{Addr: 1, Len: 1, Write: true}, Buffer{Addr: 2, Len: 1}); err == nil {
		t.Errorf("AddChain(writable, readable) = nil, want an error (§2.7.4.2)")
	}
	if _, err := q.AddChain(Buffer{Addr: 1, Len: 1}, Buffer{Addr: 2, Len: 0, Write: true}); !errors.Is(err, ErrEmptyBuffer) {
		t.Errorf("AddChain with an empty part = %v, want ErrEmptyBuffer", err)
	}
	bufs := make([]Buffer, 5)
	for i := range bufs {
		bufs[i] = Buffer{Addr: uint64(i + 1), Len: 1}
	}
	if _, err := q.AddChain(bufs...); !errors.Is(err, ErrQueueFull) {
		t.Errorf("AddChain of 5 on a 4-entry queue = %v, want ErrQueueFull", err)
	}
	if q.InFlight() != 0 {
		t.Errorf("InFlight() after rejected chains = %d, want 0", q.InFlight())
	}
}

// A device answering with a descriptor inside a chain, or with more
// bytes than the whole chain holds, is caught.
func TestUsedChainBadDevice(t *testing.T) {
	q, dev := newTestQueue(t, 8)
	head, _ := q.AddChain(Buffer{Addr: 0x1000, Len: 8}, Buffer{Addr: 0x2000, Len: 8, Write: true})
	q.Publish()
	_, d, _ := dev.take()
	dev.complete(d.next, 1)
	if _, _, _, err := q.Used(); !errors.Is(err, ErrDevice) {
		t.Errorf("Used() after the device named a non-head descriptor = %v, want ErrDevice", err)
	}
	q2, dev2 := newTestQueue(t, 8)
	head, _ = q2.AddChain(Buffer{Addr: 0x1000, Len: 8}, Buffer{Addr: 0x2000, Len: 8, Write: true})
	q2.Publish()
	dev2.take()
	dev2.complete(head, 17)
	if _, _, _, err := q2.Used(); !errors.Is(err, ErrDevice) {
		t.Errorf("Used() with 17 bytes in a 16-byte chain = %v, want ErrDevice", err)
	}
}

// SuppressInterrupts sets VIRTQ_AVAIL_F_NO_INTERRUPT with the index; the
// device's VIRTQ_USED_F_NO_NOTIFY turns NeedsNotify off.
func TestRingFlagHints(t *testing.T) {
	q, dev := newTestQueue(t, 4)
	q.Add(0x1000, 8, false)
	q.Publish()
	if got := binary.LittleEndian.Uint16(dev.mem[dev.avail:]); got != 0 {
		t.Errorf("avail flags before SuppressInterrupts = %#x, want 0", got)
	}
	if !q.NeedsNotify() {
		t.Errorf("NeedsNotify() = false with the device's used flags clear, want true")
	}
	q.SuppressInterrupts()
	q.Add(0x2000, 8, false)
	q.Publish()
	if got, idx := binary.LittleEndian.Uint16(dev.mem[dev.avail:]), dev.availIdx(); got != availNoInterrupt || idx != 2 {
		t.Errorf("avail flags, idx after SuppressInterrupts = %#x, %d; want %#x, 2", got, idx, availNoInterrupt)
	}
	binary.LittleEndian.PutUint16(dev.mem[dev.used:], usedNoNotify)
	if q.NeedsNotify() {
		t.Errorf("NeedsNotify() = true while the device sets VIRTQ_USED_F_NO_NOTIFY, want false")
	}
}
