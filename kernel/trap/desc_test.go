package trap

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestEncodeGateBytes(t *testing.T) {
	tests := []struct {
		handler uintptr
		sel     uint16
		ist     uint8
		want    []byte
	}{
		{0x1122334455667788, SelCode, 1, []byte{0x88, 0x77, 0x08, 0x00, 0x01, 0x8E, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0}},
		{0x401000, SelCode, 0, []byte{0x00, 0x10, 0x08, 0x00, 0x00, 0x8E, 0x40, 0x00, 0, 0, 0, 0, 0, 0, 0, 0}},
		{0xffffffffffffffff, 0xffff, 7, []byte{0xff, 0xff, 0xff, 0xff, 0x07, 0x8E, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{0, 0, 0xff, []byte{0, 0, 0, 0, 0x07, 0x8E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, // IST is 3 bits
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xcc}, 16)
		EncodeGate(b, tt.handler, tt.sel, tt.ist)
		if !bytes.Equal(b, tt.want) {
			t.Errorf("EncodeGate(%#x, %#x, %d) = % x, want % x", tt.handler, tt.sel, tt.ist, b, tt.want)
		}
	}
}

func TestGateRoundTrip(t *testing.T) {
	for _, h := range []uintptr{0, 1, 0xffff, 0x10000, 0x4a1b20, 0xffffffff, 0x100000000, 0x7fffffffffff, 0xffff800000001234, ^uintptr(0)} {
		for _, sel := range []uint16{0, SelCode, SelTSS, 0xffff} {
			for ist := uint8(0); ist < 8; ist++ {
				b := make([]byte, 16)
				EncodeGate(b, h, sel, ist)
				if b[5] != 0x8E {
					t.Errorf("EncodeGate(%#x, %#x, %d): type byte %#x, want 0x8E", h, sel, ist, b[5])
				}
				gh, gs, gi := DecodeGate(b)
				if gh != h || gs != sel || gi != ist {
					t.Errorf("DecodeGate(EncodeGate(%#x, %#x, %d)) = %#x, %#x, %d", h, sel, ist, gh, gs, gi)
				}
			}
		}
	}
}

func FuzzGate(f *testing.F) {
	f.Add(uint64(0x1122334455667788), uint16(8), uint8(1))
	f.Add(uint64(0), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, h uint64, sel uint16, ist uint8) {
		b := make([]byte, 16)
		EncodeGate(b, uintptr(h), sel, ist)
		gh, gs, gi := DecodeGate(b)
		if gh != uintptr(h) || gs != sel || gi != ist&7 {
			t.Fatalf("DecodeGate(EncodeGate(%#x, %#x, %d)) = %#x, %#x, %d", h, sel, ist, gh, gs, gi)
		}
		if b[5] != 0x8E || b[4] != ist&7 || binary.LittleEndian.Uint32(b[12:]) != 0 {
			t.Fatalf("EncodeGate(%#x, %#x, %d) = % x: want type 0x8E, IST byte %d, reserved zero", h, sel, ist, b, ist&7)
		}
	})
}

func TestEncodeTSSDesc(t *testing.T) {
	tests := []struct {
		base uintptr
		want []byte
	}{
		{0x1122334455667788, []byte{103, 0, 0x88, 0x77, 0x66, 0x89, 0x00, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0}},
		{0x5c2040, []byte{103, 0, 0x40, 0x20, 0x5c, 0x89, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0}},
		{^uintptr(0), []byte{103, 0, 0xff, 0xff, 0xff, 0x89, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xcc}, 16)
		EncodeTSSDesc(b, tt.base)
		if !bytes.Equal(b, tt.want) {
			t.Errorf("EncodeTSSDesc(%#x) = % x, want % x", tt.base, b, tt.want)
		}
	}
}

func TestSetIST(t *testing.T) {
	for n := 1; n <= 7; n++ {
		tss := make([]byte, 104)
		const sp uint64 = 0x0102030405060708
		SetIST(tss, n, uintptr(sp))
		off := 36 + 8*(n-1)
		for i, c := range tss {
			want := byte(0)
			if i >= off && i < off+8 {
				want = byte(sp >> (8 * (i - off)))
			}
			if c != want {
				t.Errorf("SetIST(%d, %#x): byte %d = %#x, want %#x", n, sp, i, c, want)
			}
		}
	}
}

func TestEncodePseudoDesc(t *testing.T) {
	tests := []struct {
		base uintptr
		size int
		want []byte
	}{
		{0x1000, 4 * 8, []byte{31, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0}},
		{0xffff800012345678, 256 * 16, []byte{0xff, 0x0f, 0x78, 0x56, 0x34, 0x12, 0x00, 0x80, 0xff, 0xff}},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xcc}, 12)
		EncodePseudoDesc(b, tt.base, tt.size)
		if !bytes.Equal(b[:10], tt.want) || b[10] != 0xcc {
			t.Errorf("EncodePseudoDesc(%#x, %d) = % x, want % x (and nothing after)", tt.base, tt.size, b, tt.want)
		}
	}
}

func TestExceptionName(t *testing.T) {
	tests := []struct {
		v    uintptr
		want string
	}{
		{VectorDivide, "#DE divide error"},
		{VectorPageFault, "#PF page fault"},
		{VectorGP, "#GP general protection"},
		{VectorDoubleFault, "#DF double fault"},
		{21, "#CP control protection"},
		{22, "interrupt"},
		{40, "interrupt"},
		{VectorSyscall, "syscall"},
	}
	for _, tt := range tests {
		if got := ExceptionName(tt.v); got != tt.want {
			t.Errorf("ExceptionName(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
