package kfmt

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		fill func(b *Buf)
		want string
	}{
		{"empty", func(b *Buf) {}, ""},
		{"dec 0", func(b *Buf) { b.Dec(0) }, "0"},
		{"dec 7", func(b *Buf) { b.Dec(7) }, "7"},
		{"dec -1", func(b *Buf) { b.Dec(-1) }, "-1"},
		{"dec 1234567890", func(b *Buf) { b.Dec(1234567890) }, "1234567890"},
		{"dec max", func(b *Buf) { b.Dec(math.MaxInt64) }, "9223372036854775807"},
		{"dec min", func(b *Buf) { b.Dec(math.MinInt64) }, "-9223372036854775808"},
		{"udec 0", func(b *Buf) { b.Udec(0) }, "0"},
		{"udec 10", func(b *Buf) { b.Udec(10) }, "10"},
		{"udec max", func(b *Buf) { b.Udec(math.MaxUint64) }, "18446744073709551615"},
		{"hex 0", func(b *Buf) { b.Hex(0) }, "0x0"},
		{"hex 0xf", func(b *Buf) { b.Hex(0xf) }, "0xf"},
		{"hex 0x10", func(b *Buf) { b.Hex(0x10) }, "0x10"},
		{"hex deadbeef", func(b *Buf) { b.Hex(0xdeadbeef) }, "0xdeadbeef"},
		{"hex max", func(b *Buf) { b.Hex(math.MaxUint64) }, "0xffffffffffffffff"},
		{"str", func(b *Buf) { b.Str("hello") }, "hello"},
		{"byte", func(b *Buf) { b.Byte('x') }, "x"},
		{"raw", func(b *Buf) { b.Raw([]byte{1, 2, 3}) }, "\x01\x02\x03"},
		{"chain", func(b *Buf) { b.Str("M ").Str("main").Byte(' ').Dec(-42).Byte(' ').Hex(255).Byte('\n') }, "M main -42 0xff\n"},
		{"reset", func(b *Buf) { b.Str("junk"); b.Reset(); b.Udec(5) }, "5"},
	}
	for _, tt := range tests {
		var b Buf
		tt.fill(&b)
		if got := string(b.Bytes()); got != tt.want {
			t.Errorf("%s: Bytes() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTruncation(t *testing.T) {
	const size = 512
	pad := strings.Repeat(".", size-3)
	tests := []struct {
		name string
		fill func(b *Buf)
		want string
	}{
		{"str", func(b *Buf) { b.Str(strings.Repeat("a", 1000)) }, strings.Repeat("a", size)},
		{"raw", func(b *Buf) { b.Raw([]byte(strings.Repeat("r", 600))) }, strings.Repeat("r", size)},
		{"dec", func(b *Buf) { b.Str(pad).Dec(-123456) }, pad + "-12"},
		{"udec", func(b *Buf) { b.Str(pad).Udec(987654) }, pad + "987"},
		{"hex", func(b *Buf) { b.Str(pad).Hex(0xabcdef) }, pad + "0xa"},
		{"byte", func(b *Buf) { b.Str(pad).Str("xyz").Byte('!').Byte('?') }, pad + "xyz"},
		{"full", func(b *Buf) {
			b.Str(strings.Repeat("f", size)).Dec(1).Udec(2).Hex(3).Str("4").Byte('5').Raw([]byte("6"))
		}, strings.Repeat("f", size)},
	}
	for _, tt := range tests {
		var b Buf
		tt.fill(&b)
		if got := string(b.Bytes()); got != tt.want {
			t.Errorf("%s: Bytes() = %q (len %d), want %q (len %d)", tt.name, got, len(got), tt.want, len(tt.want))
		}
	}
}

func FuzzNumbers(f *testing.F) {
	f.Add(int64(0), uint64(0), 0)
	f.Add(int64(math.MinInt64), uint64(math.MaxUint64), 510)
	f.Fuzz(func(t *testing.T, d int64, u uint64, pad int) {
		pad = int(uint(pad) % 600)
		prefix := strings.Repeat("p", pad)
		want := prefix + strconv.FormatInt(d, 10) + " " + strconv.FormatUint(u, 10) + " 0x" + strconv.FormatUint(u, 16)
		want = want[:min(len(want), 512)]
		var b Buf
		b.Str(prefix).Dec(d).Byte(' ').Udec(u).Byte(' ').Hex(u)
		if got := string(b.Bytes()); got != want {
			t.Fatalf("Str(%d bytes).Dec(%d).Byte(' ').Udec(%d).Byte(' ').Hex(%d) = %q, want %q", pad, d, u, u, got, want)
		}
	})
}
