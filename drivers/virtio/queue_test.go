package virtio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// testPhys is the physical address tests pass to NewQueue: page aligned,
// above 4 GiB so that the high halves of addresses are exercised.
const testPhys = 0x1_2345_6000

// desc is one descriptor table entry as the device reads it (§2.7.5).
type desc struct {
	addr  uint64
	len   uint32
	flags uint16
	next  uint16
}

// fakeDevice is the device side of one split virtqueue. It reads the
// descriptor table and the available ring, and writes the used ring, in
// the same []byte the Queue uses, finding the three parts from
// Queue.Addresses() (§2.7). Buffers live in a simulated memory map keyed
// by the descriptor's addr.
type fakeDevice struct {
	t                 testing.TB
	mem               []byte
	size              uint16
	desc, avail, used int // offsets of the three parts in mem
	lastAvail         uint16
	usedIdx           uint16
	buffers           map[uint64][]byte // what the device wrote, by descriptor addr
}

func newFakeDevice(t testing.TB, q *Queue, mem []byte, phys uint64) *fakeDevice {
	t.Helper()
	d, a, u := q.Addresses()
	return &fakeDevice{
		t: t, mem: mem, size: q.Size(),
		desc: int(d - phys), avail: int(a - phys), used: int(u - phys),
		buffers: map[uint64][]byte{},
	}
}

func (f *fakeDevice) availIdx() uint16 { return binary.LittleEndian.Uint16(f.mem[f.avail+2:]) }

// pending is how many buffers the driver has published and the device not taken.
func (f *fakeDevice) pending() int { return int(uint16(f.availIdx() - f.lastAvail)) }

func (f *fakeDevice) descriptor(id uint16) desc {
	e := f.mem[f.desc+16*int(id):]
	return desc{
		addr:  binary.LittleEndian.Uint64(e[0:]),
		len:   binary.LittleEndian.Uint32(e[8:]),
		flags: binary.LittleEndian.Uint16(e[12:]),
		next:  binary.LittleEndian.Uint16(e[14:]),
	}
}

// take removes the next published buffer from the available ring.
func (f *fakeDevice) take() (uint16, desc, bool) {
	if f.pending() == 0 {
		return 0, desc{}, false
	}
	id := binary.LittleEndian.Uint16(f.mem[f.avail+4+2*int(f.lastAvail%f.size):])
	f.lastAvail++
	if id >= f.size {
		f.t.Fatalf("available ring entry %d = descriptor %d, want < %d", f.lastAvail-1, id, f.size)
	}
	return id, f.descriptor(id), true
}

// putUsed writes used ring entry slot (taken mod size) without publishing it.
func (f *fakeDevice) putUsed(slot uint16, id, length uint32) {
	e := f.mem[f.used+4+8*int(slot%f.size):]
	binary.LittleEndian.PutUint32(e[0:], id)
	binary.LittleEndian.PutUint32(e[4:], length)
}

func (f *fakeDevice) setUsedIdx(idx uint16) {
	f.usedIdx = idx
	binary.LittleEndian.PutUint16(f.mem[f.used+2:], idx)
}

// complete returns buffer id with length bytes written: one used entry,
// then the index (§2.7.8).
func (f *fakeDevice) complete(id uint16, length uint32) {
	f.putUsed(f.usedIdx, uint32(id), length)
	f.setUsedIdx(f.usedIdx + 1)
}

// consume takes the next buffer; a device-writable one receives data
// (truncated to its length). It returns the descriptor and the length
// the device reports, without completing it.
func (f *fakeDevice) consume(data []byte) (uint16, desc, uint32) {
	f.t.Helper()
	id, d, ok := f.take()
	if !ok {
		f.t.Fatalf("device: no available buffer")
	}
	if d.flags&descWrite == 0 {
		return id, d, 0
	}
	n := min(len(data), int(d.len))
	f.buffers[d.addr] = bytes.Clone(data[:n])
	return id, d, uint32(n)
}

func newTestQueue(t testing.TB, size uint16) (*Queue, *fakeDevice) {
	t.Helper()
	mem := make([]byte, QueueBytes(size))
	q, err := NewQueue(size, mem, testPhys)
	if err != nil {
		t.Fatalf("NewQueue(%d, %d bytes) error: %v", size, len(mem), err)
	}
	return q, newFakeDevice(t, q, mem, testPhys)
}

func TestNewQueueRejects(t *testing.T) {
	for _, size := range []uint16{0, 3, 5, 6, 7, 12, 100, 255, 257, 0x7fff, 0x8001, 0xffff} {
		if q, err := NewQueue(size, make([]byte, 1<<20), 0); err == nil || q != nil {
			t.Errorf("NewQueue(%d, 1 MiB) = %p, %v, want nil, an error (not a power of two)", size, q, err)
		}
	}
	for _, size := range []uint16{1, 2, 8, 256, 32768} {
		need := QueueBytes(size)
		if q, err := NewQueue(size, make([]byte, need-1), 0); err == nil || q != nil {
			t.Errorf("NewQueue(%d, %d bytes) = %p, %v, want nil, an error (needs %d)", size, need-1, q, err, need)
		}
		if _, err := NewQueue(size, make([]byte, need), 0); err != nil {
			t.Errorf("NewQueue(%d, %d bytes) error: %v, want nil", size, need, err)
		}
	}
	if q, err := NewQueue(8, nil, 0); err == nil || q != nil {
		t.Errorf("NewQueue(8, nil) = %p, %v, want nil, an error", q, err)
	}
}

func TestQueueBytesAndLayout(t *testing.T) {
	tests := []struct {
		size       uint16
		bytes      int
		usedOffset uint64
	}{
		// desc 16n + avail 6+2n rounded up to 4 KiB, then used 6+8n rounded up.
		{1, 8192, 4096},
		{2, 8192, 4096},
		{8, 8192, 4096},
		{128, 8192, 4096},       // 2048+262 = 2310
		{256, 12288, 8192},      // 4096+518 = 4614
		{512, 20480, 12288},     // 8192+1030 = 9222; used 4102
		{1024, 32768, 20480},    // 16384+2054 = 18438; used 8198
		{32768, 860160, 593920}, // 524288+65542 = 589830; used 262150
	}
	for _, tt := range tests {
		if got := QueueBytes(tt.size); got != tt.bytes {
			t.Errorf("QueueBytes(%d) = %d, want %d", tt.size, got, tt.bytes)
		}
		const phys = 0x40_0000_0000
		mem := make([]byte, QueueBytes(tt.size))
		q, err := NewQueue(tt.size, mem, phys)
		if err != nil {
			t.Fatalf("NewQueue(%d) error: %v", tt.size, err)
		}
		if got := q.Size(); got != tt.size {
			t.Errorf("NewQueue(%d).Size() = %d, want %d", tt.size, got, tt.size)
		}
		d, a, u := q.Addresses()
		n := uint64(tt.size)
		if d != phys || a != phys+16*n || u != phys+tt.usedOffset {
			t.Errorf("NewQueue(%d, phys %#x).Addresses() = %#x, %#x, %#x, want %#x, %#x, %#x",
				tt.size, uint64(phys), d, a, u, uint64(phys), phys+16*n, phys+tt.usedOffset)
		}
		if u%4096 != 0 {
			t.Errorf("size %d: used ring at %#x, want a 4 KiB boundary", tt.size, u)
		}
		if a+6+2*n > u {
			t.Errorf("size %d: available ring [%#x, %#x) overlaps the used ring at %#x", tt.size, a, a+6+2*n, u)
		}
		if end := u + 6 + 8*n; end > phys+uint64(len(mem)) {
			t.Errorf("size %d: used ring ends at %#x, past the memory end %#x", tt.size, end, phys+uint64(len(mem)))
		}
	}
}

func TestNewQueueClearsMemory(t *testing.T) {
	const size = 8
	mem := bytes.Repeat([]byte{0xa5}, QueueBytes(size)+16)
	q, err := NewQueue(size, mem, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range mem[:QueueBytes(size)] {
		if b != 0 {
			t.Fatalf("after NewQueue, mem[%d] = %#x, want 0", i, b)
		}
	}
	if q.HasUsed() {
		t.Errorf("HasUsed() on a new queue = true, want false")
	}
	if id, n, ok, err := q.Used(); ok || err != nil {
		t.Errorf("Used() on a new queue = %d, %d, %v, %v, want ok=false, nil", id, n, ok, err)
	}
	if got := q.InFlight(); got != 0 {
		t.Errorf("InFlight() on a new queue = %d, want 0", got)
	}
}

type buffer struct {
	addr  uint64
	len   uint32
	write bool
}

func TestAddPublishUsedInOrder(t *testing.T) {
	q, dev := newTestQueue(t, 8)
	bufs := []buffer{
		{0x10000, 64, true},
		{0x20000, 1500, false},
		{0xffff_ffff_0000_1000, 100, true},
		{0x30000, 1, true},
		{0x40000, 2048, false},
	}
	ids := make([]uint16, len(bufs))
	seen := map[uint16]bool{}
	for i, b := range bufs {
		id, err := q.Add(b.addr, b.len, b.write)
		if err != nil {
			t.Fatalf("Add(%#x, %d, %v) error: %v", b.addr, b.len, b.write, err)
		}
		if id >= 8 || seen[id] {
			t.Fatalf("Add #%d = id %d, want a new id < 8 (have %v)", i, id, ids[:i])
		}
		seen[id] = true
		ids[i] = id
		if got := q.InFlight(); got != i+1 {
			t.Errorf("InFlight() after %d Adds = %d, want %d", i+1, got, i+1)
		}
	}
	if got := dev.pending(); got != 0 {
		t.Fatalf("before Publish the device sees %d buffers, want 0", got)
	}
	q.Publish()
	if got := dev.pending(); got != len(bufs) {
		t.Fatalf("after Publish the device sees %d buffers, want %d", got, len(bufs))
	}
	if flags := binary.LittleEndian.Uint16(dev.mem[dev.avail:]); flags != 0 {
		t.Errorf("available ring flags = %#x, want 0", flags)
	}

	var lens []uint32
	for i, b := range bufs {
		data := bytes.Repeat([]byte{byte(i + 1)}, 80)
		id, d, n := dev.consume(data)
		if id != ids[i] {
			t.Errorf("available ring entry %d = %d, want %d", i, id, ids[i])
		}
		var wantFlags uint16
		if b.write {
			wantFlags = descWrite
		}
		if want := (desc{b.addr, b.len, wantFlags, 0}); d != want {
			t.Errorf("descriptor %d = %+v, want %+v", id, d, want)
		}
		dev.complete(id, n)
		lens = append(lens, n)
	}
	for i, b := range bufs {
		if !q.HasUsed() {
			t.Fatalf("HasUsed() with %d completions left = false, want true", len(bufs)-i)
		}
		id, n, ok, err := q.Used()
		if id != ids[i] || n != lens[i] || !ok || err != nil {
			t.Errorf("Used() #%d = %d, %d, %v, %v, want %d, %d, true, nil", i, id, n, ok, err, ids[i], lens[i])
		}
		if b.write {
			want := bytes.Repeat([]byte{byte(i + 1)}, int(lens[i]))
			if got := dev.buffers[b.addr]; !bytes.Equal(got, want) {
				t.Errorf("device wrote % x at %#x, want % x", got, b.addr, want)
			}
		}
		if got, want := q.InFlight(), len(bufs)-i-1; got != want {
			t.Errorf("InFlight() after %d Used = %d, want %d", i+1, got, want)
		}
	}
	if q.HasUsed() {
		t.Errorf("HasUsed() after taking everything = true, want false")
	}
	if id, n, ok, err := q.Used(); ok || err != nil {
		t.Errorf("Used() on a drained queue = %d, %d, %v, %v, want ok=false, nil", id, n, ok, err)
	}
}

func TestUsedOutOfOrder(t *testing.T) {
	q, dev := newTestQueue(t, 4)
	ids := map[uint64]uint16{}
	for i := range 4 {
		addr := uint64(0x1000 * (i + 1))
		id, err := q.Add(addr, uint32(100+i), true)
		if err != nil {
			t.Fatal(err)
		}
		ids[addr] = id
	}
	q.Publish()
	var taken []uint16
	var descs []desc
	for range 4 {
		id, d, _ := dev.consume(nil)
		taken = append(taken, id)
		descs = append(descs, d)
	}
	// The device finishes them in the order 2, 0, 3, 1 with distinct lengths.
	order := []int{2, 0, 3, 1}
	for _, k := range order {
		dev.complete(taken[k], descs[k].len-uint32(k))
	}
	for _, k := range order {
		id, n, ok, err := q.Used()
		want := ids[descs[k].addr]
		if id != want || n != descs[k].len-uint32(k) || !ok || err != nil {
			t.Errorf("Used() = %d, %d, %v, %v, want %d, %d, true, nil", id, n, ok, err, want, descs[k].len-uint32(k))
		}
	}
	if got := q.InFlight(); got != 0 {
		t.Errorf("InFlight() = %d, want 0", got)
	}
}

func TestQueueFullAndReuse(t *testing.T) {
	const size = 4
	q, dev := newTestQueue(t, size)
	inFlight := map[uint16]bool{}
	for i := range size {
		id, err := q.Add(uint64(0x1000*(i+1)), 10, false)
		if err != nil {
			t.Fatalf("Add #%d error: %v", i, err)
		}
		inFlight[id] = true
	}
	if len(inFlight) != size {
		t.Fatalf("%d Adds gave %d distinct ids, want %d", size, len(inFlight), size)
	}
	if got := q.InFlight(); got != size {
		t.Errorf("InFlight() = %d, want %d", got, size)
	}
	if id, err := q.Add(0x9000, 10, false); err != ErrQueueFull {
		t.Fatalf("Add on a full queue = %d, %v, want ErrQueueFull", id, err)
	}
	q.Publish()
	if got := dev.pending(); got != size {
		t.Errorf("device sees %d buffers, want %d (a failed Add must not touch the ring)", got, size)
	}

	// Complete the third one; it becomes the only free descriptor.
	for range 2 {
		dev.take()
	}
	id3, _, _ := dev.take()
	dev.complete(id3, 0)
	if id, n, ok, err := q.Used(); id != id3 || n != 0 || !ok || err != nil {
		t.Fatalf("Used() = %d, %d, %v, %v, want %d, 0, true, nil", id, n, ok, err, id3)
	}
	if got := q.InFlight(); got != size-1 {
		t.Errorf("InFlight() = %d, want %d", got, size-1)
	}
	id, err := q.Add(0xabc000, 777, true)
	if id != id3 || err != nil {
		t.Fatalf("Add after one completion = %d, %v, want the freed id %d, nil", id, err, id3)
	}
	q.Publish()
	if got, want := dev.descriptor(id), (desc{0xabc000, 777, descWrite, 0}); got != want {
		t.Errorf("reused descriptor %d = %+v, want %+v", id, got, want)
	}
	dev.take() // the fourth original buffer
	if got, _, _ := dev.take(); got != id {
		t.Errorf("next available entry = %d, want the reused %d", got, id)
	}
	if _, err := q.Add(0x9000, 10, false); err != ErrQueueFull {
		t.Errorf("Add on a full queue again: error %v, want ErrQueueFull", err)
	}
	// The reused descriptor completes with its new, larger length.
	dev.complete(id, 777)
	if got, n, ok, err := q.Used(); got != id || n != 777 || !ok || err != nil {
		t.Errorf("Used() = %d, %d, %v, %v, want %d, 777, true, nil", got, n, ok, err, id)
	}
}

// TestIndexWrap runs more than 65536 add/complete cycles so that the
// available and used indexes wrap around 16 bits several times, with
// batches of varying size completed in rotated order.
func TestIndexWrap(t *testing.T) {
	const size = 4
	const cycles = 70000
	q, dev := newTestQueue(t, size)
	adds := 0
	for c := range cycles {
		batch := 1 + c%size
		want := map[uint16]uint32{}
		for i := range batch {
			id, err := q.Add(uint64(c)<<12|uint64(i), uint32(16+i), true)
			if err != nil {
				t.Fatalf("cycle %d: Add #%d error: %v", c, i, err)
			}
			want[id] = uint32(16 + i)
			adds++
		}
		q.Publish()
		if got := dev.pending(); got != batch {
			t.Fatalf("cycle %d: device sees %d buffers, want %d", c, got, batch)
		}
		var taken []uint16
		for range batch {
			id, d, _ := dev.take()
			if d.addr>>12 != uint64(c) {
				t.Fatalf("cycle %d: descriptor %d addr %#x, want a buffer of this cycle", c, id, d.addr)
			}
			taken = append(taken, id)
		}
		for i := range taken {
			id := taken[(i+c)%len(taken)]
			dev.complete(id, want[id]-1)
		}
		for i := range batch {
			if !q.HasUsed() {
				t.Fatalf("cycle %d: HasUsed() with %d completions left = false, want true", c, batch-i)
			}
			wantID := taken[(i+c)%len(taken)]
			id, n, ok, err := q.Used()
			if id != wantID || n != want[wantID]-1 || !ok || err != nil {
				t.Fatalf("cycle %d: Used() = %d, %d, %v, %v, want %d, %d, true, nil", c, id, n, ok, err, wantID, want[wantID]-1)
			}
		}
		if q.HasUsed() || q.InFlight() != 0 {
			t.Fatalf("cycle %d: HasUsed() = %v, InFlight() = %d, want false, 0", c, q.HasUsed(), q.InFlight())
		}
	}
	if adds <= 0xffff {
		t.Fatalf("only %d adds: the 16-bit indexes did not wrap", adds)
	}
	if got, want := dev.availIdx(), uint16(adds); got != want {
		t.Errorf("available idx = %d, want %d (adds mod 65536)", got, want)
	}
}

// TestUsedBadDevice: a device that writes nonsense into the used ring gets
// ErrDevice, and the queue's state is left alone.
func TestUsedBadDevice(t *testing.T) {
	const size = 8
	const bufLen = 100
	tests := []struct {
		name string
		// corrupt gets the device after 3 buffers (ids in ids) were published
		// and taken, and the first completed and returned by Used.
		corrupt func(dev *fakeDevice, ids []uint16)
		// immediate: an impossible index is refused before any entry is taken.
		immediate bool
	}{
		{"idx jumps size+1 ahead", func(dev *fakeDevice, ids []uint16) {
			dev.complete(ids[1], 1)
			dev.complete(ids[2], 1)
			dev.setUsedIdx(dev.usedIdx + size - 1)
		}, true},
		{"idx jumps 1000 ahead", func(dev *fakeDevice, ids []uint16) {
			dev.complete(ids[1], 1)
			dev.setUsedIdx(dev.usedIdx + 999)
		}, true},
		{"idx goes backwards", func(dev *fakeDevice, ids []uint16) {
			dev.setUsedIdx(dev.usedIdx - 1)
		}, true},
		{"id == size", func(dev *fakeDevice, ids []uint16) { dev.complete(size, 1) }, true},
		{"id 0xffff", func(dev *fakeDevice, ids []uint16) { dev.complete(0xffff, 1) }, true},
		{"id 0x10000+in flight", func(dev *fakeDevice, ids []uint16) {
			dev.putUsed(dev.usedIdx, 0x10000|uint32(ids[1]), 1)
			dev.setUsedIdx(dev.usedIdx + 1)
		}, true},
		{"id 0xffffffff", func(dev *fakeDevice, ids []uint16) {
			dev.putUsed(dev.usedIdx, 0xffffffff, 1)
			dev.setUsedIdx(dev.usedIdx + 1)
		}, true},
		{"id already completed", func(dev *fakeDevice, ids []uint16) { dev.complete(ids[0], 1) }, true},
		{"id already completed, length 0", func(dev *fakeDevice, ids []uint16) { dev.complete(ids[0], 0) }, true},
		{"id never added", func(dev *fakeDevice, ids []uint16) { dev.complete(neverAdded(ids, size), 1) }, true},
		{"id never added, length 0", func(dev *fakeDevice, ids []uint16) { dev.complete(neverAdded(ids, size), 0) }, true},
		{"id in flight twice in a row", func(dev *fakeDevice, ids []uint16) {
			dev.complete(ids[1], 1)
			dev.complete(ids[1], 0)
		}, false},
		{"length one past the buffer", func(dev *fakeDevice, ids []uint16) { dev.complete(ids[1], bufLen+1) }, true},
		{"length 0xffffffff", func(dev *fakeDevice, ids []uint16) { dev.complete(ids[2], 0xffffffff) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, dev := newTestQueue(t, size)
			var ids []uint16
			for i := range 3 {
				id, err := q.Add(uint64(0x1000*(i+1)), bufLen, true)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			q.Publish()
			for range ids {
				dev.take()
			}
			dev.complete(ids[0], bufLen)
			if id, n, ok, err := q.Used(); id != ids[0] || n != bufLen || !ok || err != nil {
				t.Fatalf("Used() = %d, %d, %v, %v, want %d, %d, true, nil", id, n, ok, err, ids[0], bufLen)
			}
			tt.corrupt(dev, ids)
			// Legitimate entries before the corrupt one may be taken; then ErrDevice.
			var err error
			for range size + 2 {
				var ok bool
				var id uint16
				var n uint32
				id, n, ok, err = q.Used()
				if err != nil {
					if ok {
						t.Errorf("Used() = %d, %d, ok=true with error %v", id, n, err)
					}
					break
				}
				if !ok {
					break
				}
				if id != ids[1] && id != ids[2] || n > bufLen {
					t.Fatalf("Used() = %d, %d, true, nil: not a buffer in flight", id, n)
				}
			}
			if !errors.Is(err, ErrDevice) {
				t.Fatalf("Used() after corruption: error %v, want ErrDevice", err)
			}
			if tt.immediate && q.InFlight() != 2 {
				t.Errorf("InFlight() = %d after ErrDevice, want 2 (the first Used call must refuse)", q.InFlight())
			}
			inFlight := q.InFlight()
			if _, _, ok, err := q.Used(); ok || !errors.Is(err, ErrDevice) {
				t.Errorf("Used() again: ok %v, error %v, want false, ErrDevice (the bad entry must not be skipped)", ok, err)
			}
			if got := q.InFlight(); got != inFlight {
				t.Errorf("InFlight() after a rejected entry = %d, want %d", got, inFlight)
			}
		})
	}
}

// neverAdded returns a descriptor id that is not among ids.
func neverAdded(ids []uint16, size uint16) uint16 {
	for id := range size {
		if !slices.Contains(ids, id) {
			return id
		}
	}
	panic("no free id")
}

// A device may return all size buffers at once: idx exactly size ahead is fine.
func TestUsedIdxExactlySizeAhead(t *testing.T) {
	const size = 8
	q, dev := newTestQueue(t, size)
	for i := range size {
		if _, err := q.Add(uint64(i+1)<<12, 64, true); err != nil {
			t.Fatal(err)
		}
	}
	q.Publish()
	for range size {
		id, _, _ := dev.take()
		dev.complete(id, 64)
	}
	for i := range size {
		if _, n, ok, err := q.Used(); n != 64 || !ok || err != nil {
			t.Fatalf("Used() #%d = _, %d, %v, %v, want 64, true, nil", i, n, ok, err)
		}
	}
	if got := q.InFlight(); got != 0 {
		t.Errorf("InFlight() = %d, want 0", got)
	}
}

// FuzzUsedRing lets the fuzzer act as a device that writes arbitrary
// used-ring contents, interleaved with legitimate Adds and Used calls. Used
// must never panic, and whatever it returns with ok=true must be a buffer
// in flight, with a length no larger than that buffer.
func FuzzUsedRing(f *testing.F) {
	f.Add(byte(3), byte(5), []byte{})
	// A well-behaved device: complete ids 0, 1, 2 in order.
	f.Add(byte(3), byte(3), []byte{
		1, 0, 0, 0, 0, 0, 10, 0, 0, 0,
		1, 1, 1, 0, 0, 0, 10, 0, 0, 0,
		1, 2, 2, 0, 0, 0, 10, 0, 0, 0,
		0, 3, 0, 2, 2,
	})
	f.Add(byte(2), byte(8), []byte{0, 0xff, 0xff, 2})                                     // idx backwards
	f.Add(byte(3), byte(4), []byte{1, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 2})             // id out of range
	f.Add(byte(3), byte(4), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2})             // length too big
	f.Add(byte(4), byte(2), []byte{1, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 1, 0, 2, 3, 2, 0, 2}) // complete, re-add, replay
	f.Fuzz(func(t *testing.T, sizeSel, nAdd byte, ops []byte) {
		size := uint16(1) << (sizeSel % 5) // 1..16
		mem := make([]byte, QueueBytes(size))
		q, err := NewQueue(size, mem, testPhys)
		if err != nil {
			t.Fatal(err)
		}
		dev := newFakeDevice(t, q, mem, testPhys)
		model := map[uint16]uint32{} // in flight: id -> buffer length
		adds := 0
		add := func() {
			length := uint32(16 + adds%200)
			id, err := q.Add(uint64(adds+1)<<12, length, adds%2 == 0)
			adds++
			if len(model) == int(size) {
				if err != ErrQueueFull {
					t.Fatalf("Add with %d in flight = %d, %v, want ErrQueueFull", size, id, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Add with %d of %d in flight error: %v", len(model), size, err)
			}
			if _, dup := model[id]; dup || id >= size {
				t.Fatalf("Add = %d, already in flight or out of range (size %d)", id, size)
			}
			model[id] = length
		}
		used := func() {
			id, n, ok, err := q.Used()
			if err != nil {
				if ok || !errors.Is(err, ErrDevice) {
					t.Fatalf("Used() = %d, %d, %v, %v, want ok=false and ErrDevice", id, n, ok, err)
				}
			} else if ok {
				length, in := model[id]
				if !in {
					t.Fatalf("Used() = %d, %d, true, nil: id not in flight (%v)", id, n, model)
				}
				if n > length {
					t.Fatalf("Used() = %d, %d, true, nil: length beyond the buffer (%d)", id, n, length)
				}
				delete(model, id)
			}
			if got := q.InFlight(); got != len(model) {
				t.Fatalf("InFlight() = %d, want %d", got, len(model))
			}
		}
		for range int(nAdd) % (2*int(size) + 1) {
			add()
		}
		q.Publish()
		// ops: 0 idx(u16): write used.idx; 1 slot(u8) id(u32) len(u32):
		// write a used entry; 2: call Used; 3: Add and Publish.
		for steps := 0; len(ops) > 0 && steps < 256; steps++ {
			op := ops[0] % 4
			ops = ops[1:]
			switch op {
			case 0:
				if len(ops) < 2 {
					ops = nil
					break
				}
				dev.setUsedIdx(binary.LittleEndian.Uint16(ops))
				ops = ops[2:]
			case 1:
				if len(ops) < 9 {
					ops = nil
					break
				}
				dev.putUsed(uint16(ops[0]), binary.LittleEndian.Uint32(ops[1:]), binary.LittleEndian.Uint32(ops[5:]))
				ops = ops[9:]
			case 2:
				used()
			case 3:
				add()
				q.Publish()
			}
		}
		for range 3 * int(size) {
			used()
		}
		_ = q.HasUsed()
	})
}

// A zero-length buffer is either refused by Add or, once the device
// returns it, taken back by Used like any other.
func TestAddZeroLength(t *testing.T) {
	for _, write := range []bool{false, true} {
		q, dev := newTestQueue(t, 4)
		id, err := q.Add(0x1000, 0, write)
		if err != nil {
			continue // refusing it is fine
		}
		q.Publish()
		dev.take()
		dev.complete(id, 0)
		if got, n, ok, err := q.Used(); got != id || n != 0 || !ok || err != nil {
			t.Errorf("Add(0x1000, 0, %v) = %d; after the device returns it, Used() = %d, %d, %v, %v, want %d, 0, true, nil",
				write, id, got, n, ok, err, id)
		}
		if got := q.InFlight(); got != 0 {
			t.Errorf("InFlight() after the zero-length buffer came back = %d, want 0", got)
		}
	}
}
