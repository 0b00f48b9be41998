package cmos

import (
	"fmt"
	"testing"
	"time"
)

func toBCD(v int) uint8 { return uint8(v/10<<4 | v%10) }

// encode returns the RTC registers for t in the given mode.
func encode(t time.Time, binary, h24 bool) fields {
	conv := func(v int) uint8 {
		if binary {
			return uint8(v)
		}
		return toBCD(v)
	}
	hour := conv(t.Hour())
	if !h24 {
		h12 := t.Hour() % 12
		if h12 == 0 {
			h12 = 12
		}
		hour = conv(h12)
		if t.Hour() >= 12 {
			hour |= hourPM
		}
	}
	return fields{conv(t.Second()), conv(t.Minute()), hour, conv(t.Day()), conv(int(t.Month())),
		conv(t.Year() % 100), conv(t.Year() / 100)}
}

func statusB(binary, h24 bool) uint8 {
	var b uint8
	if binary {
		b |= statusBBin
	}
	if h24 {
		b |= statusB24h
	}
	return b
}

var testTimes = []time.Time{
	time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC),
	time.Date(2026, 11, 28, 20, 30, 59, 0, time.UTC),
	time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC), // noon: 12 PM
	time.Date(2024, 2, 29, 0, 30, 0, 0, time.UTC), // 00:30: 12 AM
	time.Date(2024, 3, 1, 23, 59, 59, 0, time.UTC),
	time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
	time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC),
	time.Date(2099, 12, 31, 11, 59, 59, 0, time.UTC),
	time.Date(2100, 3, 1, 13, 1, 2, 0, time.UTC),
}

func TestDecode(t *testing.T) {
	for _, tm := range testTimes {
		for _, binary := range []bool{false, true} {
			for _, h24 := range []bool{false, true} {
				f, sb := encode(tm, binary, h24), statusB(binary, h24)
				if got, want := Decode(f, sb), tm.Unix(); got != want {
					t.Errorf("Decode(% x, %#x) [%v, binary %v, 24h %v] = %d (%v), want %d",
						f[:], sb, tm, binary, h24, got, time.Unix(got, 0).UTC(), want)
				}
			}
		}
	}
}

func TestDecodeNoCentury(t *testing.T) {
	// Without a century register (0), years are 20xx.
	for _, tm := range []time.Time{time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		for _, binary := range []bool{false, true} {
			f := encode(tm, binary, true)
			f[6] = 0
			if got, want := Decode(f, statusB(binary, true)), tm.Unix(); got != want {
				t.Errorf("Decode(% x) without century = %d, want %d", f[:], got, want)
			}
		}
	}
}

func TestDecodeKnown(t *testing.T) {
	// 2026-11-28 08:30:00 UTC in BCD, 24-hour mode: the registers as QEMU shows them.
	f := fields{0x00, 0x30, 0x08, 0x28, 0x11, 0x26, 0x20}
	want := time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC).Unix()
	if got := Decode(f, statusB24h); got != want {
		t.Errorf("Decode(% x, 24h BCD) = %d, want %d", f[:], got, want)
	}
	// 8:30 PM in 12-hour binary mode.
	f = fields{0, 30, 8 | hourPM, 28, 11, 26, 20}
	want = time.Date(2026, 11, 28, 20, 30, 0, 0, time.UTC).Unix()
	if got := Decode(f, statusBBin); got != want {
		t.Errorf("Decode(% x, 12h binary) = %d, want %d", f[:], got, want)
	}
}

// fakeRTC is the CMOS: an index port and a data port over 128 registers.
type fakeRTC struct {
	regs    [128]uint8
	index   uint8
	uip     int // reads of status A that report an update in progress
	reads   int
	badPort error
}

func (r *fakeRTC) Out8(port uint16, v uint8) {
	if port != portIndex {
		r.badPort = fmt.Errorf("Out8(%#x, %#x): want port %#x", port, v, portIndex)
		return
	}
	r.index = v &^ nmiDisable
}

func (r *fakeRTC) In8(port uint16) uint8 {
	if port != portData {
		r.badPort = fmt.Errorf("In8(%#x): want port %#x", port, portData)
		return 0
	}
	r.reads++
	if r.index == regStatusA && r.uip > 0 {
		r.uip--
		return statusAUIP
	}
	return r.regs[r.index]
}

func TestUnix(t *testing.T) {
	for _, tm := range testTimes {
		for _, uip := range []int{0, 3} {
			var r fakeRTC
			f := encode(tm, false, true)
			for i, reg := range []uint8{regSeconds, regMinutes, regHours, regDay, regMonth, regYear, regCentury} {
				r.regs[reg] = f[i]
			}
			r.regs[regStatusB] = statusB24h
			r.uip = uip
			if got := Unix(&r); got != tm.Unix() {
				t.Errorf("Unix(RTC at %v, %d busy reads) = %d, want %d", tm, uip, got, tm.Unix())
			}
			if r.badPort != nil {
				t.Error(r.badPort)
			}
			if r.uip != 0 {
				t.Errorf("Unix did not wait for the update to finish: %d busy reads left", r.uip)
			}
		}
	}
}
