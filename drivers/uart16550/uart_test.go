package uart16550

import (
	"reflect"
	"testing"
)

type write struct {
	port uint16
	v    uint8
}

// fakePorts records writes; reads of LSR report "busy" (THRE clear) busy
// times, then ready; reads of the data register return rx.
type fakePorts struct {
	base     uint16
	writes   []write
	lsrReads int
	busy     int
	never    bool // THRE never set
	dr       bool
	rx       uint8
}

func (p *fakePorts) Out8(port uint16, v uint8) { p.writes = append(p.writes, write{port, v}) }

func (p *fakePorts) In8(port uint16) uint8 {
	switch port {
	case p.base + regLSR:
		p.lsrReads++
		var v uint8
		if p.dr {
			v |= lsrDR
		}
		if p.never || p.busy > 0 {
			p.busy--
			return v
		}
		return v | lsrTHRE
	case p.base + regData:
		return p.rx
	}
	return 0xff
}

func TestInit(t *testing.T) {
	for _, base := range []uint16{COM1, COM2, COM3, COM4} {
		p := &fakePorts{base: base}
		UART{Base: base}.Init(p)
		want := []write{
			{base + 1, 0x00}, // no interrupts
			{base + 3, 0x80}, // DLAB
			{base + 0, 0x01}, // divisor low: 115200 baud
			{base + 1, 0x00}, // divisor high
			{base + 3, 0x03}, // 8N1, DLAB off
			{base + 2, 0xC7}, // FIFOs
			{base + 4, 0x03}, // DTR, RTS
		}
		if !reflect.DeepEqual(p.writes, want) {
			t.Errorf("UART{%#x}.Init wrote %x, want %x", base, p.writes, want)
		}
	}
}

func TestPut(t *testing.T) {
	tests := []struct {
		busy      int
		never     bool
		wantReads int
	}{
		{0, false, 1},
		{1, false, 2},
		{5, false, 6},
		{0, true, spinLimit}, // gives up, and sends anyway
	}
	for _, tt := range tests {
		p := &fakePorts{base: COM1, busy: tt.busy, never: tt.never}
		UART{Base: COM1}.Put(p, 'x')
		if p.lsrReads != tt.wantReads {
			t.Errorf("Put with %d busy reads (never ready %v): %d LSR reads, want %d", tt.busy, tt.never, p.lsrReads, tt.wantReads)
		}
		if want := []write{{COM1, 'x'}}; !reflect.DeepEqual(p.writes, want) {
			t.Errorf("Put('x') wrote %x, want %x", p.writes, want)
		}
	}
}

func TestWrite(t *testing.T) {
	p := &fakePorts{base: COM2, busy: 2}
	UART{Base: COM2}.Write(p, []byte("hi\n"))
	want := []write{{COM2, 'h'}, {COM2, 'i'}, {COM2, '\n'}}
	if !reflect.DeepEqual(p.writes, want) {
		t.Errorf("Write(\"hi\\n\") wrote %x, want %x", p.writes, want)
	}
	if p.lsrReads != 5 {
		t.Errorf("Write of 3 bytes with 2 busy reads: %d LSR reads, want 5", p.lsrReads)
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		dr     bool
		rx     uint8
		want   uint8
		wantOK bool
	}{
		{false, 'a', 0, false},
		{true, 'a', 'a', true},
		{true, 0, 0, true},
	}
	for _, tt := range tests {
		p := &fakePorts{base: COM1, dr: tt.dr, rx: tt.rx}
		if got, ok := (UART{Base: COM1}).Get(p); got != tt.want || ok != tt.wantOK {
			t.Errorf("Get with data ready %v, rx %q = %q, %v, want %q, %v", tt.dr, tt.rx, got, ok, tt.want, tt.wantOK)
		}
		if len(p.writes) != 0 {
			t.Errorf("Get wrote %x, want nothing", p.writes)
		}
	}
}
