// Package cmdline reads the kernel command line, as unigo run writes it
// (tools/unigo/cmdline.go): space-separated tokens, each "a=" + an
// argument or "e=" + an environment entry, percent-encoded (%XX for bytes
// outside '!'..'~' and for '%'), and flags: "-v" for verbose milestones
// and statistics. Tokens the VMM appends (QEMU microvm's
// "virtio_mmio.device=512@0xfeb00e00:12", read by kernel/platform) are
// neither arguments nor environment entries.
//
// Both sides of the kernel read it: kmain (trap context: arguments,
// environment, flags) and the server goroutine (shares, network
// parameters). Nothing here allocates.
package cmdline

import (
	"bytes"

	"unigo/boot"
)

// Whole returns the command line without a last token that the
// boot loader's string may have had cut off by BootInfo's limit: a cut
// "virtio_mmio.device=512@0xfeb00e00:12" would name IRQ 1. VMMs append
// their parameters (QEMU microvm, Firecracker), so they come last.
func Whole(line []byte) []byte {
	if len(line) == boot.MaxCmdline {
		line = line[:max(bytes.LastIndexByte(line, ' '), 0)]
	}
	return line
}

// Tokens calls fn with each space-separated token of line.
func Tokens(line []byte, fn func(tok []byte)) {
	c := line
	for len(c) > 0 {
		i := 0
		for i < len(c) && c[i] != ' ' {
			i++
		}
		if i > 0 {
			fn(c[:i])
		}
		if i == len(c) {
			break
		}
		c = c[i+1:]
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pctByte decodes "%XX" at enc[i:], if that is what is there.
func pctByte(enc []byte, i int) (byte, bool) {
	if enc[i] != '%' || i+2 >= len(enc) {
		return 0, false
	}
	hi, ok1 := unhex(enc[i+1])
	lo, ok2 := unhex(enc[i+2])
	return hi<<4 | lo, ok1 && ok2
}

// Decode percent-decodes enc into dst (len(dst) >= DecodedLen(enc)) and returns the length.
func Decode(dst, enc []byte) int {
	n := 0
	for i := 0; i < len(enc); i++ {
		c, ok := pctByte(enc, i)
		if ok {
			i += 2
		} else {
			c = enc[i]
		}
		dst[n] = c
		n++
	}
	return n
}

// DecodedLen is the length of enc percent-decoded.
func DecodedLen(enc []byte) int {
	n := 0
	for i := 0; i < len(enc); i++ {
		if _, ok := pctByte(enc, i); ok {
			i += 2
		}
		n++
	}
	return n
}
