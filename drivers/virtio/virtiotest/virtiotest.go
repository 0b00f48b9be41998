// Package virtiotest is a fake virtio device for driver tests: fake
// "physical memory" to hand the driver as its DMA allocator, a
// virtio.Transport that records what the driver does to it, and the
// device side of one split virtqueue (§2.7), which reads the descriptor
// chains the driver offers and writes the used ring.
//
// Wire it in:
//
//	tr := virtiotest.NewTransport(t)
//	tr.Offered = virtio.FeatureVersion1 | myFeatures
//	tr.QueueNumMax = 64        // the device's queue size limit
//	tr.ConfigSpace = myConfig  // what Config reads; nil reads as zeros
//	tr.OnNotify = func() {     // the device's reaction to a kick
//		for tr.Queue.Pending() > 0 {
//			head, chain := tr.Queue.Take()
//			buf := tr.Mem.At(chain[0].Addr, int(chain[0].Len))
//			n := ... // read or write buf
//			tr.Queue.Complete(uint32(head), uint32(n))
//		}
//	}
//	d, err := mydriver.New(tr, tr.Mem.Alloc, wait)
//
// then check tr.Events, tr.StatusLog, tr.Accepted, tr.Notifies, ... The
// fake reports misuse (an access outside allocated memory, a descriptor
// beyond the queue, a looping chain, a kick before DRIVER_OK or to
// another queue) through t.
package virtiotest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"unigo/drivers/virtio"
)

// Descriptor flags (§2.7.5), as the device sees them.
const (
	FlagNext  = 1
	FlagWrite = 2
)

// MemBase is the physical address of the first byte of a Mem.
const MemBase = 0x4000_0000

// Mem is the guest's "physical memory": one big byte slice whose offset
// off is at physical address MemBase+off. Alloc hands out 4 KiB aligned
// pieces of it, filled with garbage as real memory may be, and the fake
// device resolves descriptor addresses through At.
type Mem struct {
	t      testing.TB
	mem    []byte
	next   int // first unallocated offset
	Allocs int // calls to Alloc so far
	Fail   int // fail the Fail-th allocation (1-based); 0: never
}

// NewMem returns 4 MiB of memory, none of it allocated.
func NewMem(t testing.TB) *Mem {
	return &Mem{t: t, mem: bytes.Repeat([]byte{0xa5}, 4<<20)}
}

// Alloc is a virtio.DMA.
func (m *Mem) Alloc(n int) ([]byte, uint64, error) {
	m.Allocs++
	if m.Allocs == m.Fail {
		return nil, 0, errors.New("virtiotest: out of memory")
	}
	off := (m.next + 4095) &^ 4095
	if n <= 0 || off+n > len(m.mem) {
		m.t.Errorf("DMA(%d): want 0 < n <= %d", n, len(m.mem)-off)
		return nil, 0, errors.New("virtiotest: bad size")
	}
	m.next = off + n
	return m.mem[off : off+n : off+n], MemBase + uint64(off), nil
}

var _ virtio.DMA = (*Mem)(nil).Alloc

// At returns the n bytes at physical address addr, which must lie inside
// memory the driver allocated.
func (m *Mem) At(addr uint64, n int) []byte {
	m.t.Helper()
	if addr < MemBase || addr-MemBase+uint64(n) > uint64(m.next) {
		m.t.Fatalf("device access [%#x, %#x) outside the allocated memory [%#x, %#x)",
			addr, addr+uint64(n), MemBase, MemBase+m.next)
	}
	off := addr - MemBase
	return m.mem[off : off+uint64(n) : off+uint64(n)]
}

// Desc is one descriptor as the device reads it.
type Desc struct {
	Addr  uint64
	Len   uint32
	Flags uint16
	Next  uint16
}

// Queue is the device side of the split virtqueue (§2.7): it knows only
// the physical addresses the transport was given.
type Queue struct {
	t                 testing.TB
	mem               *Mem
	Size              uint16
	desc, avail, used uint64
	lastAvail         uint16
	UsedIdx           uint16 // the used ring's idx as last written
}

// Pending is how many chains the driver has made available that the
// device has not taken yet.
func (q *Queue) Pending() int {
	return int(binary.LittleEndian.Uint16(q.mem.At(q.avail+2, 2)) - q.lastAvail)
}

// Descriptor reads descriptor id from the table.
func (q *Queue) Descriptor(id uint16) Desc {
	q.t.Helper()
	if id >= q.Size {
		q.t.Fatalf("device: descriptor %d >= queue size %d", id, q.Size)
	}
	e := q.mem.At(q.desc+16*uint64(id), 16)
	return Desc{
		Addr:  binary.LittleEndian.Uint64(e[0:]),
		Len:   binary.LittleEndian.Uint32(e[8:]),
		Flags: binary.LittleEndian.Uint16(e[12:]),
		Next:  binary.LittleEndian.Uint16(e[14:]),
	}
}

// Take returns the next available chain: its head and its descriptors,
// followed through the NEXT links.
func (q *Queue) Take() (uint16, []Desc) {
	q.t.Helper()
	if q.Pending() == 0 {
		q.t.Fatalf("device: no buffer available")
	}
	head := binary.LittleEndian.Uint16(q.mem.At(q.avail+4+2*uint64(q.lastAvail%q.Size), 2))
	q.lastAvail++
	var chain []Desc
	for id := head; ; {
		if len(chain) == int(q.Size) {
			q.t.Fatalf("device: chain from %d loops", head)
		}
		d := q.Descriptor(id)
		chain = append(chain, d)
		if d.Flags&FlagNext == 0 {
			break
		}
		id = d.Next
	}
	return head, chain
}

// PutUsed writes a used-ring entry without publishing it.
func (q *Queue) PutUsed(id, length uint32) {
	e := q.mem.At(q.used+4+8*uint64(q.UsedIdx%q.Size), 8)
	binary.LittleEndian.PutUint32(e[0:], id)
	binary.LittleEndian.PutUint32(e[4:], length)
}

// SetUsedIdx writes the used ring's idx, publishing the entries before it.
func (q *Queue) SetUsedIdx(idx uint16) {
	q.UsedIdx = idx
	binary.LittleEndian.PutUint16(q.mem.At(q.used+2, 2), idx)
}

// Complete returns chain id to the driver with length bytes written.
func (q *Queue) Complete(id, length uint32) {
	q.PutUsed(id, length)
	q.SetUsedIdx(q.UsedIdx + 1)
}

// Transport is a virtio device with one queue, QueueIndex, behind a
// virtio.Transport. Notify runs OnNotify, the device's reaction to the
// driver's kick. Set the exported fields before handing it to the
// driver; read them afterwards.
type Transport struct {
	t                testing.TB
	Mem              *Mem
	QueueIndex       int     // the device's only queue
	status           uint8   // what Status returns
	StatusLog        []uint8 // every SetStatus value, in order
	RefuseFeaturesOK bool    // SetStatus drops FEATURES_OK
	Offered          uint64  // what Features returns
	Accepted         uint64  // the last SetFeatures value
	QueueNumMax      uint16  // what QueueMax(QueueIndex) returns
	ConfigSpace      []byte  // what Config reads; zero beyond it
	ConfigReads      int
	Queue            *Queue // set by SetupQueue
	Events           []string
	Resets           int
	Notifies         int
	Acks             int
	OnNotify         func()
}

var _ virtio.Transport = (*Transport)(nil)

// NewTransport returns a device offering VERSION_1 only, with queue 0 of
// at most 256 entries, no configuration, and fresh Mem. Its status is
// garbage until the driver resets it.
func NewTransport(t testing.TB) *Transport {
	return &Transport{
		t:           t,
		Mem:         NewMem(t),
		status:      0x55,
		Offered:     virtio.FeatureVersion1,
		QueueNumMax: 256,
	}
}

func (f *Transport) Reset() {
	f.Events = append(f.Events, "reset")
	f.Resets++
	f.status = 0
}

func (f *Transport) Status() uint8 { return f.status }

func (f *Transport) SetStatus(s uint8) {
	f.Events = append(f.Events, fmt.Sprintf("status=%d", s))
	f.StatusLog = append(f.StatusLog, s)
	if f.RefuseFeaturesOK {
		s &^= virtio.StatusFeaturesOK
	}
	f.status = s
}

func (f *Transport) Features() uint64 { return f.Offered }

func (f *Transport) SetFeatures(v uint64) { f.Accepted = v }

func (f *Transport) QueueMax(i int) uint16 {
	if i != f.QueueIndex {
		return 0
	}
	return f.QueueNumMax
}

func (f *Transport) SetupQueue(i int, q *virtio.Queue) {
	f.Events = append(f.Events, fmt.Sprintf("setup %d", i))
	if i != f.QueueIndex {
		f.t.Errorf("SetupQueue(%d), want queue %d only", i, f.QueueIndex)
	}
	d, a, u := q.Addresses()
	f.Queue = &Queue{t: f.t, mem: f.Mem, Size: q.Size(), desc: d, avail: a, used: u}
}

func (f *Transport) Notify(i int) {
	f.Events = append(f.Events, fmt.Sprintf("notify %d", i))
	f.Notifies++
	if i != f.QueueIndex {
		f.t.Errorf("Notify(%d), want %d", i, f.QueueIndex)
	}
	if f.status&virtio.StatusDriverOK == 0 {
		f.t.Errorf("Notify(%d) with status %#x, want DRIVER_OK set", i, f.status)
	}
	if f.OnNotify != nil {
		f.OnNotify()
	}
}

func (f *Transport) AckInterrupt() uint32 {
	f.Events = append(f.Events, "ack")
	f.Acks++
	return 1
}

func (f *Transport) Config(off int) byte {
	f.ConfigReads++
	if off < 0 || off >= len(f.ConfigSpace) {
		return 0
	}
	return f.ConfigSpace[off]
}
