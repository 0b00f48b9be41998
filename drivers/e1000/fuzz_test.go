package e1000

import (
	"testing"
)

// FuzzReceive lets a device write anything into the receive descriptors
// and checks that the driver only ever delivers frames inside their own
// buffers, or stops with an error.
func FuzzReceive(f *testing.F) {
	f.Add([]byte{0, 1, 64, 0, 3, 0}, uint16(5))
	f.Add([]byte{0, 0xff, 0xff, 0x03, 0x00}, uint16(0))
	f.Add([]byte{255, 0, 8, 1, 0}, uint16(255))
	f.Fuzz(func(t *testing.T, script []byte, next uint16) {
		d, _ := start(t, Model82574, true)
		d.rx.next = int(next) % ringLen
		// Each 5-byte step writes one descriptor: index, length, status, errors.
		for len(script) >= 5 {
			i := int(script[0]) % ringLen
			desc := d.rx.desc[i*descSize : (i+1)*descSize]
			copy(desc[rxLength:], script[1:3])
			desc[rxStatus], desc[rxErrors] = script[3], script[4]
			script = script[5:]
		}
		bufs := d.rx.buf
		_, _ = d.Receive(func(b []byte) {
			if len(b) > bufSize {
				t.Fatalf("delivered %d bytes", len(b))
			}
			// b must lie inside one buffer of the ring.
			off := cap(bufs) - cap(b)
			if off < 0 || off%bufSize+len(b) > bufSize {
				t.Fatalf("delivered a frame across buffers at offset %d", off)
			}
		})
		if d.rx.tail < 0 || d.rx.tail >= ringLen || d.rx.next < 0 || d.rx.next >= ringLen {
			t.Fatalf("ring indices out of range: next %d tail %d", d.rx.next, d.rx.tail)
		}
	})
}
