package sys

// The report of a program the kernel stops: after a fatal kernel error
// (package kernel's fatal) or a signal that kills it (Killed).

import (
	"unigo/kernel/kfmt"
	"unigo/kernel/trap"
)

// Report writes a register dump on stderr for people, and a record on the
// control channel that unigo run symbolises (function, file:line) and
// disassembles with x86asm.
func Report(f *trap.Frame, addr uintptr) {
	var b kfmt.Buf
	regs := [...]struct {
		n string
		v uintptr
	}{{"rip", f.RIP}, {"rsp", f.RSP}, {"rbp", f.BP}, {"rflags", f.RFLAGS}, {"rax", f.AX}, {"rbx", f.BX},
		{"rcx", f.CX}, {"rdx", f.DX}, {"rsi", f.SI}, {"rdi", f.DI}, {"r8", f.R8}, {"r9", f.R9},
		{"r10", f.R10}, {"r11", f.R11}, {"r12", f.R12}, {"r13", f.R13}, {"r14", f.R14}, {"r15", f.R15},
		{"fs", f.FS}}
	b.Reset()
	for i, r := range regs {
		b.Str(r.n).Byte('=').Hex(uint64(r.v))
		if i%4 == 3 || i == len(regs)-1 {
			b.Byte('\n')
			Console(2, b.Bytes())
			b.Reset()
		} else {
			b.Byte(' ')
		}
	}
	// Control record: F <rip> <addr> <code bytes> <word at rsp> <return addresses...>
	// The word at RSP is the caller when the fault is in a frameless leaf.
	b.Reset()
	b.Str("F ").Hex(uint64(f.RIP)).Byte(' ').Hex(uint64(addr)).Byte(' ')
	for i := uintptr(0); i < 15; i++ {
		if !readable(f.RIP + i) {
			break
		}
		c := peekByte(f.RIP + i)
		b.Byte("0123456789abcdef"[c>>4]).Byte("0123456789abcdef"[c&15])
	}
	if !readable(f.RIP) {
		b.Byte('-')
	}
	sp0 := uintptr(0)
	if readable(f.RSP) {
		sp0 = peek(f.RSP)
	}
	b.Byte(' ').Hex(uint64(sp0))
	bp := f.BP
	for i := 0; i < 32 && bp != 0 && readable(bp) && readable(bp+8); i++ {
		b.Byte(' ').Hex(uint64(peek(bp + 8)))
		bp = peek(bp)
	}
	b.Byte('\n')
	Control(b.Bytes())
}
