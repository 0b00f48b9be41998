// Package kfmt formats kernel messages into a fixed buffer on the stack:
// no allocation, no fmt, usable in trap context.
package kfmt

// Buf accumulates one message.
type Buf struct {
	b [512]byte
	n int
}

// Bytes returns the message so far.
func (b *Buf) Bytes() []byte { return b.b[:b.n] }

// Reset empties the buffer.
func (b *Buf) Reset() { b.n = 0 }

// Str appends s (truncated at the buffer's end).
func (b *Buf) Str(s string) *Buf {
	b.n += copy(b.b[b.n:], s)
	return b
}

// Raw appends bytes.
func (b *Buf) Raw(p []byte) *Buf {
	b.n += copy(b.b[b.n:], p)
	return b
}

// Byte appends one byte.
func (b *Buf) Byte(c byte) *Buf {
	if b.n < len(b.b) {
		b.b[b.n] = c
		b.n++
	}
	return b
}

// Dec appends v in decimal.
func (b *Buf) Dec(v int64) *Buf {
	if v < 0 {
		b.Byte('-')
		return b.Udec(uint64(-v))
	}
	return b.Udec(uint64(v))
}

// Udec appends v in decimal.
func (b *Buf) Udec(v uint64) *Buf {
	var t [20]byte
	i := len(t)
	for {
		i--
		t[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return b.Raw(t[i:])
}

// Hex appends v as 0x-prefixed hexadecimal.
func (b *Buf) Hex(v uint64) *Buf {
	const digits = "0123456789abcdef"
	var t [16]byte
	i := len(t)
	for {
		i--
		t[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return b.Str("0x").Raw(t[i:])
}
