package virtio

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// virtio-mmio devices named on the kernel command line, the way Linux
// takes them (Documentation/admin-guide/kernel-parameters.txt, and
// vm_cmdline_set in drivers/virtio/virtio_mmio.c):
//
//	virtio_mmio.device=<size>@<baseaddr>:<irq>[:<id>]
//
// <size> is a number with an optional K, M, G, T, P or E suffix (each a
// factor of 1024, as Linux's memparse), <baseaddr> a number, both in C
// notation (0x… hexadecimal, 0… octal, decimal otherwise); <irq> and the
// optional platform-device <id> are decimal. The parameter may repeat,
// one device each. QEMU microvm appends one per attached device unless
// auto-kernel-cmdline=off (hw/i386/microvm.c, e.g.
// "virtio_mmio.device=512@0xfeb00e00:12"); Firecracker passes them too
// ("4K@0xd0000000:5").

// MMIOParams are the spellings of the parameter: Linux treats '-' and
// '_' in parameter names alike (kernel/params.c, parameq).
var MMIOParams = []string{"virtio_mmio.device=", "virtio-mmio.device="}

// Limits on a command-line device.
const (
	// MMIORegSize is the register block of a virtio-mmio window (§4.2.2 of
	// virtio v1.2: registers up to 0x0fc, device configuration from
	// 0x100): a smaller window cannot hold a device. Linux's own example
	// is a 0x100 window (a device without configuration space, such as
	// an entropy device); configuration reads past the window's end are
	// the caller's to bound.
	MMIORegSize = 0x100
	// MaxMMIOIRQ bounds <irq>: x86 GSIs (the I/O APICs' pins) number in
	// the tens, a few hundred on large machines; anything beyond is a
	// typo, not a line to route.
	MaxMMIOIRQ = 1023
	// mmioAlign: registers are 32-bit and naturally aligned (§4.2.2).
	mmioAlign = 4
)

// MMIODevice is one virtio-mmio window named on the command line.
type MMIODevice struct {
	Base, Size uint64 // physical window [Base, Base+Size)
	IRQ        uint32 // the interrupt line: on x86, the GSI
	ID         int    // the platform device id (Linux's, informative), if HasID
	HasID      bool
}

// String writes d back in the parameter's syntax.
func (d MMIODevice) String() string {
	s := fmt.Sprintf("%#x@%#x:%d", d.Size, d.Base, d.IRQ)
	if d.HasID {
		s += fmt.Sprintf(":%d", d.ID)
	}
	return s
}

// overlaps reports whether two windows share an address.
func (d MMIODevice) overlaps(e MMIODevice) bool {
	return d.Base < e.Base+e.Size && e.Base < d.Base+d.Size
}

// MMIOParamError is a virtio_mmio.device token that names no usable device.
type MMIOParamError struct {
	Token  string // the whole token, as on the command line
	Reason string
}

func (e *MMIOParamError) Error() string { return fmt.Sprintf("%q: %s", e.Token, e.Reason) }

// ParseMMIODevices returns the devices that the virtio_mmio.device tokens
// of cmdline (whitespace-separated) name, in command-line order, and an
// error for each token that names none: malformed, a window too small,
// past the end of the address space or misaligned, a zero or implausible
// IRQ, or a window overlapping an earlier device's. A token repeating an
// earlier one exactly is dropped without complaint. Other tokens are
// none of its business.
func ParseMMIODevices(cmdline string) ([]MMIODevice, []error) {
	var devs []MMIODevice
	var errs []error
	for _, tok := range strings.Fields(cmdline) {
		v, ok := cutMMIOParam(tok)
		if !ok {
			continue
		}
		d, reason := parseMMIODevice(v)
		if reason == "" {
			var dup bool
			dup, reason = against(d, devs)
			if dup {
				continue
			}
		}
		if reason != "" {
			errs = append(errs, &MMIOParamError{Token: tok, Reason: reason})
			continue
		}
		devs = append(devs, d)
	}
	return devs, errs
}

// against checks d against the devices before it: the same device again
// (dup), or a window that overlaps another's (a reason).
func against(d MMIODevice, devs []MMIODevice) (dup bool, reason string) {
	for _, e := range devs {
		if d.Base == e.Base && d.Size == e.Size && d.IRQ == e.IRQ {
			return true, ""
		}
		if d.overlaps(e) {
			return false, "window overlaps the earlier device " + e.String()
		}
	}
	return false, ""
}

func cutMMIOParam(tok string) (string, bool) {
	for _, p := range MMIOParams {
		if v, ok := strings.CutPrefix(tok, p); ok {
			return v, true
		}
	}
	return "", false
}

// parseMMIODevice parses "<size>@<baseaddr>:<irq>[:<id>]"; a non-empty
// reason says why it names no device.
func parseMMIODevice(v string) (d MMIODevice, reason string) {
	size, rest, ok := parseCNumber(v)
	if !ok {
		return d, "want <size>@<baseaddr>:<irq>[:<id>]: bad or missing <size>"
	}
	size, rest, ok = applySuffix(size, rest)
	if !ok {
		return d, "<size> overflows 64 bits"
	}
	rest, ok = strings.CutPrefix(rest, "@")
	if !ok {
		return d, "want <size>@<baseaddr>:<irq>[:<id>]: no '@' after <size>"
	}
	base, rest, ok := parseCNumber(rest)
	if !ok {
		return d, "bad or missing <baseaddr>"
	}
	rest, ok = strings.CutPrefix(rest, ":")
	if !ok {
		return d, "want <size>@<baseaddr>:<irq>[:<id>]: no ':' after <baseaddr>"
	}
	irq, rest, ok := parseDecimal(rest)
	if !ok {
		return d, "bad or missing <irq>"
	}
	d = MMIODevice{Base: base, Size: size}
	if r, ok := strings.CutPrefix(rest, ":"); ok {
		id, r, ok := parseDecimal(r)
		if !ok || id > math.MaxInt32 {
			return d, "bad <id>"
		}
		d.ID, d.HasID, rest = int(id), true, r
	}
	switch {
	case rest != "":
		return d, fmt.Sprintf("unexpected %q after the device", rest)
	case size < MMIORegSize:
		return d, fmt.Sprintf("window of %#x bytes, smaller than the %#x-byte register block", size, MMIORegSize)
	case base+size <= base: // Base+Size, the window's end, must be an address
		return d, "window runs past the end of the address space"
	case base%mmioAlign != 0:
		return d, fmt.Sprintf("window at %#x is not %d-byte aligned", base, mmioAlign)
	case irq == 0:
		return d, "IRQ 0 is no device's line"
	case irq > MaxMMIOIRQ:
		return d, fmt.Sprintf("IRQ %d, beyond %d", irq, MaxMMIOIRQ)
	}
	d.IRQ = uint32(irq)
	return d, ""
}

// parseCNumber reads an unsigned number in C notation at the start of s,
// as Linux's simple_strtoull with base 0 (and sscanf's %lli): "0x" or
// "0X" and a hex digit start a hexadecimal number, "0" an octal one;
// others are decimal. It fails on no digits or on overflow.
func parseCNumber(s string) (n uint64, rest string, ok bool) {
	base := uint64(10)
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digitValue(s[2]) < 16:
		base, s = 16, s[2:]
	case len(s) > 0 && s[0] == '0':
		base = 8
	}
	return parseDigits(s, base)
}

// parseDecimal reads a decimal number at the start of s (sscanf's %u).
func parseDecimal(s string) (n uint64, rest string, ok bool) { return parseDigits(s, 10) }

func parseDigits(s string, base uint64) (n uint64, rest string, ok bool) {
	i := 0
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		hi, lo := bits.Mul64(n, base)
		if hi != 0 || lo+d < lo {
			return 0, s, false
		}
		n = lo + d
	}
	return n, s[i:], i > 0
}

// digitValue is c's value as a digit, 255 if it is none.
func digitValue(c byte) uint64 {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0')
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 255
}

// sizeSuffixes are memparse's: each a further factor of 1024.
const sizeSuffixes = "KMGTPE"

// applySuffix scales n by a memparse suffix at the start of rest, if any.
func applySuffix(n uint64, rest string) (uint64, string, bool) {
	if rest == "" {
		return n, rest, true
	}
	i := strings.IndexByte(sizeSuffixes, upper(rest[0]))
	if i < 0 {
		return n, rest, true
	}
	shift := 10 * uint(i+1)
	if n > math.MaxUint64>>shift {
		return 0, rest, false
	}
	return n << shift, rest[1:], true
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
