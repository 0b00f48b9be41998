// Package cmos reads the wall clock from the MC146818-compatible real-time
// clock in the PC's CMOS, once at boot.
package cmos

// Ports and registers (MC146818A datasheet; the PC maps index/data at 0x70/0x71).
const (
	portIndex  = 0x70
	portData   = 0x71
	regSeconds = 0x00
	regMinutes = 0x02
	regHours   = 0x04
	regDay     = 0x07
	regMonth   = 0x08
	regYear    = 0x09
	regStatusA = 0x0A
	regStatusB = 0x0B
	regCentury = 0x32 // by convention (ACPI FADT CENTURY field); QEMU fills it
	statusAUIP = 0x80 // update in progress
	statusBBin = 0x04 // binary, not BCD
	statusB24h = 0x02
	hourPM     = 0x80
	nmiDisable = 0x80
)

// PortReadWriter is byte-wide port I/O.
type PortReadWriter interface {
	In8(port uint16) uint8
	Out8(port uint16, v uint8)
}

func read(io PortReadWriter, reg uint8) uint8 {
	io.Out8(portIndex, nmiDisable|reg)
	return io.In8(portData)
}

type fields [7]uint8 // sec, min, hour, day, month, year, century

func snapshot(io PortReadWriter) (f fields) {
	for i := 0; i < 1000 && read(io, regStatusA)&statusAUIP != 0; i++ {
	}
	for i, r := range [...]uint8{regSeconds, regMinutes, regHours, regDay, regMonth, regYear, regCentury} {
		f[i] = read(io, r)
	}
	return f
}

// Unix returns the RTC time as seconds since 1970 (the RTC keeps UTC under QEMU).
func Unix(io PortReadWriter) int64 {
	var a, b fields
	a = snapshot(io)
	for i := 0; i < 5; i++ { // read until two snapshots agree: no update in between
		if b = snapshot(io); a == b {
			break
		}
		a = b
	}
	return Decode(a, read(io, regStatusB))
}

func bcd(v uint8) uint8 { return v>>4*10 + v&15 }

// Decode converts raw RTC fields to Unix seconds; statusB tells the encoding.
func Decode(f fields, statusB uint8) int64 {
	pm := f[2]&hourPM != 0
	f[2] &^= hourPM
	if statusB&statusBBin == 0 {
		for i := range f {
			f[i] = bcd(f[i])
		}
	}
	hour := int64(f[2])
	if statusB&statusB24h == 0 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	year := int64(f[6])*100 + int64(f[5])
	if f[6] == 0 {
		year = 2000 + int64(f[5])
	}
	return daysFromCivil(year, int64(f[4]), int64(f[3]))*86400 + hour*3600 + int64(f[1])*60 + int64(f[0])
}

// daysFromCivil counts days since 1970-01-01 in the proleptic Gregorian calendar.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
