// Package virtio implements the driver side of virtio 1.x (OASIS virtio
// spec v1.2): split virtqueues (§2.7) and the virtio-mmio transport
// (§4.2), against small interfaces so that the logic runs under go test
// with a fake device over plain memory.
//
// Wire it in: t := NewMMIO(regs); negotiate features with t; q :=
// NewQueue(size, mem, phys) for each queue, t.SetupQueue(i, q); then
// Add/Publish/Notify to give buffers and Used to take them back.
package virtio

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
	"unsafe"
)

// Descriptor flags (§2.7.5).
const (
	descNext  = 1
	descWrite = 2
)

// Ring flags: the driver asks the device not to interrupt when it uses
// buffers (VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7), and the device tells the
// driver it need not be notified of new buffers (VIRTQ_USED_F_NO_NOTIFY,
// §2.7.10). Both are hints, used only without VIRTIO_F_EVENT_IDX.
const (
	availNoInterrupt = 1
	usedNoNotify     = 1
)

// FeatureEventIdx is VIRTIO_F_EVENT_IDX (§6, bit 29): instead of the
// flags, each side writes the ring index at which it next wants to hear
// from the other: used_event after the available ring (the driver's), and
// avail_event after the used ring (the device's) (§2.7.7, §2.7.10).
const FeatureEventIdx = 1 << 29

// Errors.
var (
	ErrQueueFull = errors.New("virtio: no free descriptor")
	// ErrEmptyBuffer: a descriptor must describe at least one byte.
	ErrEmptyBuffer = errors.New("virtio: zero-length buffer")
	// ErrDevice reports a device that wrote an impossible index or length.
	ErrDevice = errors.New("virtio: device wrote an invalid used-ring entry")
)

// Queue is one split virtqueue whose descriptor table, available ring and
// used ring live in mem (device-visible memory at physical address phys).
type Queue struct {
	size     uint16
	mem      []byte
	phys     uint64
	descOff  int
	availOff int
	usedOff  int
	free     []uint16
	bufLen   []uint32 // length of each chain in flight, by head id (to validate used lengths); 0 otherwise
	chainLen []uint16 // descriptors in each chain in flight, by head id
	next     []uint16 // our copy of each descriptor's next link
	availIdx uint16   // next available-ring entry (published or not)
	pubIdx   uint16   // the index last published
	kickIdx  uint16   // the index at the last NeedsNotify
	kickUsed uint16   // the device's used index at the last NeedsNotify
	lastUsed uint16
	inFlight int
	noIntr   bool // SuppressInterrupts, or DisableInterrupts until EnableInterrupts
	always   bool // SuppressInterrupts: never re-enabled
	eventIdx bool // VIRTIO_F_EVENT_IDX negotiated
}

// QueueBytes is the memory NewQueue needs for a queue of size entries:
// the descriptor table (16 bytes each), the available ring (6+2n) and, at
// the next 4 KiB boundary, the used ring (6+8n).
func QueueBytes(size uint16) int {
	n := int(size)
	return align(16*n+6+2*n, 4096) + align(6+8*n, 4096)
}

func align(v, a int) int { return (v + a - 1) &^ (a - 1) }

// NewQueue lays a queue of size entries (a power of two) out in mem.
func NewQueue(size uint16, mem []byte, phys uint64) (*Queue, error) {
	if size == 0 || size&(size-1) != 0 {
		return nil, errors.New("virtio: queue size must be a power of two")
	}
	if len(mem) < QueueBytes(size) {
		return nil, errors.New("virtio: queue memory too small")
	}
	q := &Queue{size: size, mem: mem, phys: phys, descOff: 0, availOff: 16 * int(size)}
	q.usedOff = align(q.availOff+6+2*int(size), 4096)
	clear(mem[:QueueBytes(size)])
	q.free = make([]uint16, size)
	for i := range q.free {
		q.free[i] = uint16(int(size) - 1 - i)
	}
	q.bufLen = make([]uint32, size)
	q.chainLen = make([]uint16, size)
	q.next = make([]uint16, size)
	return q, nil
}

// Size is the number of entries.
func (q *Queue) Size() uint16 { return q.size }

// Addresses returns the physical addresses of the three parts, for the transport.
func (q *Queue) Addresses() (desc, driver, device uint64) {
	return q.phys + uint64(q.descOff), q.phys + uint64(q.availOff), q.phys + uint64(q.usedOff)
}

// InFlight is how many buffers the device holds.
func (q *Queue) InFlight() int { return q.inFlight }

// Add offers one buffer at physical address addr (device-writable if
// write), returning its descriptor id. Call Publish to make it visible.
func (q *Queue) Add(addr uint64, length uint32, write bool) (uint16, error) {
	return q.AddChain(Buffer{Addr: addr, Len: length, Write: write})
}

// Buffer is one part of a descriptor chain.
type Buffer struct {
	Addr  uint64
	Len   uint32
	Write bool // device-writable
}

// AddChain offers one request made of several buffers, linked with
// VIRTQ_DESC_F_NEXT (§2.7.5); the device-readable parts must come
// before the device-writable ones (§2.7.4.2). It returns the head's id,
// which Used gives back.
func (q *Queue) AddChain(bufs ...Buffer) (uint16, error) {
	if len(bufs) == 0 {
		return 0, ErrEmptyBuffer
	}
	var total uint32
	for i, b := range bufs {
		if b.Len == 0 {
			return 0, ErrEmptyBuffer
		}
		if i > 0 && bufs[i-1].Write && !b.Write {
			return 0, errors.New("virtio: device-readable buffer after a writable one")
		}
		if total+b.Len < total {
			return 0, errors.New("virtio: chain longer than 4 GiB")
		}
		total += b.Len
	}
	if len(q.free) < len(bufs) {
		return 0, ErrQueueFull
	}
	ids := q.free[len(q.free)-len(bufs):]
	q.free = q.free[:len(q.free)-len(bufs)]
	for i, b := range bufs {
		id := ids[len(ids)-1-i]
		d := q.mem[q.descOff+16*int(id):]
		binary.LittleEndian.PutUint64(d[0:], b.Addr)
		binary.LittleEndian.PutUint32(d[8:], b.Len)
		var flags, next uint16
		if b.Write {
			flags = descWrite
		}
		if i < len(bufs)-1 {
			flags |= descNext
			next = ids[len(ids)-2-i]
		}
		binary.LittleEndian.PutUint16(d[12:], flags)
		binary.LittleEndian.PutUint16(d[14:], next)
		q.next[id] = next
		q.chainLen[id] = 0
	}
	head := ids[len(ids)-1]
	q.bufLen[head] = total
	q.chainLen[head] = uint16(len(bufs))
	ring := q.availOff + 4 + 2*int(q.availIdx%q.size)
	binary.LittleEndian.PutUint16(q.mem[ring:], head)
	q.availIdx++
	q.inFlight++
	return head, nil
}

// Publish makes the added buffers visible to the device (§2.7.13: the
// ring entries before the index; the atomic store orders them).
func (q *Queue) Publish() {
	if q.eventIdx && q.noIntr {
		q.setUsedEvent(q.lastUsed - 1) // keep the event out of reach as lastUsed moves
	}
	q.pubIdx = q.availIdx
	q.storeAvailHeader()
}

// storeAvailHeader writes the available ring's flags and index in one
// store: with EVENT_IDX the flags must be 0 (§2.7.7.1).
func (q *Queue) storeAvailHeader() {
	var flags uint32
	if q.noIntr && !q.eventIdx {
		flags = availNoInterrupt
	}
	p := (*uint32)(unsafe.Pointer(&q.mem[q.availOff])) // flags and idx
	atomic.StoreUint32(p, uint32(q.pubIdx)<<16|flags)
}

// UseEventIdx switches the queue to VIRTIO_F_EVENT_IDX's event indexes;
// call it before the first Publish when the feature was negotiated.
func (q *Queue) UseEventIdx() { q.eventIdx = true }

// usedEventOff and availEventOff are where the two event indexes live:
// after the available ring's entries and after the used ring's (§2.7.6,
// §2.7.8).
func (q *Queue) usedEventOff() int  { return q.availOff + 4 + 2*int(q.size) }
func (q *Queue) availEventOff() int { return q.usedOff + 4 + 8*int(q.size) }

// setUsedEvent asks for an interrupt once the device has used entry v
// (§2.7.7.2), then fences, so that a later look at the used index cannot
// be ordered before the store (a locked instruction: x86 orders stores
// before later loads only across one).
func (q *Queue) setUsedEvent(v uint16) {
	binary.LittleEndian.PutUint16(q.mem[q.usedEventOff():], v)
	atomic.AddUint32(&fence, 0)
}

var fence uint32

// SuppressInterrupts asks the device not to interrupt when it returns
// this queue's buffers (from the next Publish on): for a transmit queue
// whose buffers the driver takes back when it next transmits anyway.
func (q *Queue) SuppressInterrupts() { q.noIntr, q.always = true, true }

// DisableInterrupts asks the device to stop interrupting for used
// buffers while the driver polls the ring (a hint: one interrupt may
// still be on its way).
func (q *Queue) DisableInterrupts() {
	if q.noIntr {
		return
	}
	q.noIntr = true
	if q.eventIdx {
		q.setUsedEvent(q.lastUsed - 1)
	} else {
		q.storeAvailHeader()
	}
}

// EnableInterrupts re-arms the device's interrupt for the next used
// buffer and reports whether buffers were used meanwhile: then the
// driver must poll again rather than wait, since the device may have
// used them before it saw the re-arm (§2.7.7.2's race).
func (q *Queue) EnableInterrupts() (pending bool) {
	if q.always {
		return q.HasUsed()
	}
	q.noIntr = false
	if q.eventIdx {
		q.setUsedEvent(q.lastUsed)
	} else {
		q.storeAvailHeader() // XCHG: a full fence before the load below
	}
	return q.HasUsed()
}

// NeedsNotify reports whether the device wants a notification of the
// buffers published since the last call: with EVENT_IDX, whether the
// published range passed the device's avail_event (§2.7.10.2's
// vring_need_event); without, unless the device says it is processing
// the queue anyway (VIRTQ_USED_F_NO_NOTIFY). Publish first: its atomic
// store orders the check after the index store.
//
// With EVENT_IDX it also kicks a device that holds buffers published
// before and has returned none since the last call: a device may miss
// the crossing, and then it waits for a notification the rule will
// never send again. QEMU 7.2's virtio-net does, under load: its
// virtqueue_pop moves avail_event without a fence before its last look
// at the available index, and its transmit-completion path does not
// look again. A spurious notification costs one register write.
func (q *Queue) NeedsNotify() bool {
	old := q.kickIdx
	q.kickIdx = q.pubIdx
	if q.eventIdx {
		event := binary.LittleEndian.Uint16(q.mem[q.availEventOff():])
		used := uint16(atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.mem[q.usedOff]))) >> 16)
		stalled := used == q.kickUsed && old != used // work outstanding, none returned
		q.kickUsed = used
		return q.pubIdx-event-1 < q.pubIdx-old || stalled && q.pubIdx != old
	}
	word := atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.mem[q.usedOff])))
	return word&usedNoNotify == 0
}

// Used takes the next buffer the device has finished with: its id and
// the length the device wrote. ok is false when there is none. A device
// that writes an id out of range, an id not in flight, or a length
// beyond the buffer gets ErrDevice: the caller must reset it.
func (q *Queue) Used() (id uint16, length uint32, ok bool, err error) {
	if q.eventIdx && !q.noIntr {
		// Keep asking for an interrupt at the next buffer as the driver
		// takes them (Linux's virtqueue_get_buf does the same); the fence
		// orders the request before the look at the index below.
		q.setUsedEvent(q.lastUsed)
	}
	word := atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.mem[q.usedOff])))
	devIdx := uint16(word >> 16)
	if devIdx == q.lastUsed {
		return 0, 0, false, nil
	}
	if uint16(devIdx-q.lastUsed) > q.size {
		return 0, 0, false, ErrDevice
	}
	e := q.mem[q.usedOff+4+8*int(q.lastUsed%q.size):]
	id32 := binary.LittleEndian.Uint32(e[0:])
	length = binary.LittleEndian.Uint32(e[4:])
	if id32 >= uint32(q.size) || q.bufLen[id32] == 0 || length > q.bufLen[id32] {
		return 0, 0, false, ErrDevice
	}
	id = uint16(id32)
	q.lastUsed++
	q.bufLen[id] = 0
	// Free the chain by our own record of it: the descriptor table is
	// device-visible memory, so its next fields are not trusted.
	next := id
	for i := uint16(0); i < q.chainLen[id]; i++ {
		q.free = append(q.free, next)
		next = q.next[next]
	}
	q.chainLen[id] = 0
	q.inFlight--
	return id, length, true, nil
}

// HasUsed reports whether the device has returned buffers not yet taken.
func (q *Queue) HasUsed() bool {
	word := atomic.LoadUint32((*uint32)(unsafe.Pointer(&q.mem[q.usedOff])))
	return uint16(word>>16) != q.lastUsed
}
