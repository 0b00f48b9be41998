package kernel

import (
	"strings"

	"unigo/boot"
	"unigo/kernel/sys"
)

// The kernel command line, as unigo run writes it (tools/unigo/cmdline.go):
// space-separated tokens, each "a=" + an argument or "e=" + an environment
// entry, percent-encoded (%XX for bytes outside '!'..'~' and for '%'), and
// flags: "-v" for verbose milestones and statistics. Tokens the VMM
// appends (QEMU microvm's "virtio_mmio.device=512@0xfeb00e00:12", read
// by kernel/platform) are neither arguments nor environment entries.

const maxArgs = 256

// profiling is set by unigo run -prof (kernel/profile.go).
var profiling bool

func parseCmdline() {
	forEachToken(func(tok []byte) {
		switch string(tok) {
		case "-v":
			sys.Verbose = true
		case "-prof":
			profiling = true
		}
	})
}

// wholeTokens returns the command line without a last token that the
// boot loader's string may have had cut off by BootInfo's limit: a cut
// "virtio_mmio.device=512@0xfeb00e00:12" would name IRQ 1. VMMs append
// their parameters (QEMU microvm, Firecracker), so they come last.
func wholeTokens(bi *boot.BootInfo) string {
	s := bi.CmdlineString()
	if bi.CmdlineLen == boot.MaxCmdline {
		s = s[:max(strings.LastIndexByte(s, ' '), 0)]
	}
	return s
}

func forEachToken(fn func(tok []byte)) {
	c := bootInfo.Cmdline[:bootInfo.CmdlineLen]
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

// forEachArg calls fn with kind 'a' (argument) or 'e' (environment) and the encoded value.
func forEachArg(fn func(kind byte, enc []byte)) {
	forEachToken(func(tok []byte) {
		if len(tok) >= 2 && tok[1] == '=' && (tok[0] == 'a' || tok[0] == 'e') {
			fn(tok[0], tok[2:])
		}
	})
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

// decode percent-decodes enc into dst (len(dst) >= decodedLen(enc)) and returns the length.
func decode(dst, enc []byte) int {
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

func decodedLen(enc []byte) int {
	n := 0
	for i := 0; i < len(enc); i++ {
		if _, ok := pctByte(enc, i); ok {
			i += 2
		}
		n++
	}
	return n
}
