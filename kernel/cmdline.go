package kernel

import (
	"unigo/kernel/cmdline"
	"unigo/kernel/sys"
)

// The kernel command line's format is package kernel/cmdline's; kmain
// reads its flags here and the program's arguments and environment in
// firstThread (memory.go).

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

// Cmdline returns the kernel command line as the boot loader passed it
// (empty outside unigo). The server goroutine reads its parameters here.
func Cmdline() []byte { return bootInfo.Cmdline[:bootInfo.CmdlineLen] }

func forEachToken(fn func(tok []byte)) { cmdline.Tokens(Cmdline(), fn) }

// forEachArg calls fn with kind 'a' (argument) or 'e' (environment) and the encoded value.
func forEachArg(fn func(kind byte, enc []byte)) {
	forEachToken(func(tok []byte) {
		if len(tok) >= 2 && tok[1] == '=' && (tok[0] == 'a' || tok[0] == 'e') {
			fn(tok[0], tok[2:])
		}
	})
}
