package pci

import (
	"encoding/binary"
	"testing"
)

// IOBAR decodes I/O BARs only (PCI Local Bus spec 3.0 §6.2.5.1).
func TestIOBAR(t *testing.T) {
	tests := []struct {
		name string
		bar  uint32
		want uint16
		ok   bool
	}{
		{"I/O", 0xC041, 0xC040, true},
		{"I/O, reserved bit 1 set", 0xC043, 0xC040, true},
		{"memory", 0xFEB00000, 0, false},
		{"unimplemented", 0, 0, false},
		{"I/O, base 0 (unassigned)", 0x1, 0, false},
		{"I/O beyond 16 bits", 0x10001, 0, false},
	}
	forEach(t, func(t *testing.T, m method) {
		for _, tt := range tests {
			c, fn := testConfig(t, m)
			binary.LittleEndian.PutUint32(fn.s[0x10:], tt.bar)
			if got, ok := c.IOBAR(0); got != tt.want || ok != tt.ok {
				t.Errorf("%s: IOBAR(0) with BAR %#x = %#x, %v, want %#x, %v", tt.name, tt.bar, got, ok, tt.want, tt.ok)
			}
		}
	})
}
