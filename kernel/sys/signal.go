package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/kfmt"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// Signals: actions, masks, the alternate stack, delivery through a Linux
// rt_sigframe, and rt_sigreturn.

// frameLen is the rt_sigframe's size: pretcode, the ucontext, the siginfo.
const frameLen = 8 + linux.SizeofUcontext + linux.SizeofSiginfo

// mcRegs lists the sigcontext's first 16 slots in order.
func mcRegs(f *trap.Frame) [16]*uintptr {
	return [16]*uintptr{&f.R8, &f.R9, &f.R10, &f.R11, &f.R12, &f.R13, &f.R14, &f.R15,
		&f.DI, &f.SI, &f.BP, &f.BX, &f.DX, &f.AX, &f.CX, &f.RSP}
}

func bit(sig linux.Signal) uint64 { return 1 << uint(sig-1) }

// Kill sends sig to the thread with tid (tgkill, tkill); 0 means any thread.
func kill(tid int, sig linux.Signal) uintptr {
	if sig < 0 || int(sig) >= len(sigs) {
		return linux.EINVAL.Ret()
	}
	for i := 1; i < sched.Global.Hi; i++ {
		t := &sched.Global.T[i]
		if t.State == sched.Free || tid != 0 && t.TID != tid {
			continue
		}
		if sig == 0 {
			return 0
		}
		t.Pending |= bit(sig)
		waitsForServer := t.Wait == sched.WaitHandoff || t.Wait == sched.WaitServe || t.Wait == sched.WaitSlot
		if t.State == sched.Blocked && !waitsForServer && t.SigMask&bit(sig) == 0 && sigs[sig].handler > linux.SIG_IGN {
			sched.Global.Wake(i, linux.EINTR.Ret()) // interrupt the wait, as Linux does
		}
		return 0
	}
	return linux.ESRCH.Ret()
}

// DeliverPending runs, on the way out of the kernel, the handler of the
// lowest pending unblocked signal of the thread about to run.
func DeliverPending(f *trap.Frame) {
	if sched.Global.Idle() {
		return
	}
	t := sched.Global.Current()
	ready := t.Pending &^ t.SigMask
	if ready == 0 {
		return
	}
	for sig := linux.Signal(1); int(sig) < len(sigs); sig++ {
		if ready&bit(sig) == 0 {
			continue
		}
		t.Pending &^= bit(sig)
		switch h := sigs[sig].handler; {
		case h == linux.SIG_IGN, h == linux.SIG_DFL && ignoredByDefault(sig):
			continue
		case h == linux.SIG_DFL:
			Killed(f, sig, 0, 0)
		}
		if !deliver(f, t, sig, linux.SI_TKILL, 1, 0) {
			Killed(f, linux.SIGSEGV, 0, 0)
		}
		return
	}
}

func ignoredByDefault(sig linux.Signal) bool {
	return sig == linux.SIGURG || sig == linux.SIGCHLD || sig == linux.SIGWINCH
}

// Fault turns a CPU exception in the program into the signal Linux sends:
// the runtime's handler makes it a Go panic (nil dereference, division).
func Fault(f *trap.Frame, sig linux.Signal, code int, addr uintptr) {
	t := sched.Global.Current()
	h := sigs[sig].handler
	if h <= linux.SIG_IGN || t.SigMask&bit(sig) != 0 || !deliver(f, t, sig, code, addr, f.Err) {
		Killed(f, sig, code, addr) // as Linux's force_sig: no handler, or it cannot run
	}
}

// deliver builds a Linux rt_sigframe on the thread's stack and points f
// at the handler. It reports false if the frame cannot be written.
func deliver(f *trap.Frame, t *sched.Thread, sig linux.Signal, code int, addr uintptr, errCode uintptr) bool {
	act := sigs[sig]
	sp := f.RSP - linux.RedZone
	alt := t.AltStack
	onAlt := alt[0] != 0 && f.RSP > alt[0] && f.RSP <= alt[0]+alt[2]
	if act.flags&linux.SA_ONSTACK != 0 && alt[0] != 0 && !onAlt {
		sp = alt[0] + alt[2]
	}
	d := sigFrame{sig: sig, code: code, addr: addr, errCode: errCode, restorer: act.restorer, alt: alt, mask: t.SigMask}
	d.fp = (sp - fxSize) &^ 63
	d.frame = ((d.fp - frameLen) &^ 15) - 8 // RSP+8 16-aligned at entry, as after a call
	b, ok := userBytes(d.frame, sp-d.frame, true)
	if !ok {
		return false
	}
	buildSigFrame(b[:frameLen], f, &d)
	copyFX(d.fp, f.FX) // the interrupted SSE state, saved at kernel entry

	t.SigMask |= act.mask
	if act.flags&linux.SA_NODEFER == 0 {
		t.SigMask |= bit(sig)
	}
	if act.flags&linux.SA_RESETHAND != 0 {
		sigs[sig].handler = linux.SIG_DFL
	}
	f.RSP = d.frame
	f.RIP = uintptr(act.handler)
	f.DI, f.SI, f.DX, f.AX = uintptr(sig), d.frame+frameInfo, d.frame+frameUC, 0
	f.RFLAGS &^= 1<<8 | 1<<10 // TF, DF
	return true
}

// Offsets in the rt_sigframe.
const (
	frameUC   = 8
	frameInfo = frameUC + linux.SizeofUcontext
)

// sigFrame is what one delivery writes, besides the registers.
type sigFrame struct {
	sig            linux.Signal
	code           int
	addr, errCode  uintptr
	restorer, mask uint64
	alt            [3]uintptr
	frame, fp      uintptr // where the frame and the FXSAVE image go
}

func put64(b []byte, off uintptr, v uint64) {
	for k := uintptr(0); k < 8; k++ {
		b[off+k] = byte(v >> (8 * k))
	}
}

// buildSigFrame writes the rt_sigframe (len(b) == frameLen) that
// delivers d for the context f.
func buildSigFrame(b []byte, f *trap.Frame, d *sigFrame) {
	clear(b)
	put64(b, 0, d.restorer) // pretcode: the handler returns into the restorer
	uc := uintptr(frameUC)
	put64(b, uc+linux.UcStack, uint64(d.alt[0]))
	put64(b, uc+linux.UcStack+8, uint64(d.alt[1]))
	put64(b, uc+linux.UcStack+16, uint64(d.alt[2]))
	mc := uc + linux.UcMcontext
	for i, r := range mcRegs(f) {
		put64(b, mc+uintptr(i)*8, uint64(*r))
	}
	put64(b, mc+linux.McRIP, uint64(f.RIP))
	put64(b, mc+linux.McEFL, uint64(f.RFLAGS))
	put64(b, mc+linux.McCSGSFS, uint64(f.CS)|uint64(f.SS)<<48)
	put64(b, mc+linux.McErr, uint64(d.errCode))
	put64(b, mc+linux.McTrapno, uint64(f.Vector))
	put64(b, mc+linux.McOldmask, d.mask)
	put64(b, mc+linux.McCR2, uint64(d.addr))
	put64(b, mc+linux.McFpstate, uint64(d.fp))
	put64(b, uc+linux.UcSigmask, d.mask)
	info := uintptr(frameInfo)
	put64(b, info, uint64(uint32(d.sig))) // si_signo; si_errno = 0
	put64(b, info+8, uint64(uint32(int32(d.code))))
	if d.code == linux.SI_TKILL {
		put64(b, info+16, 1) // si_pid = 1, si_uid = 0
	} else {
		put64(b, info+16, uint64(d.addr)) // si_addr
	}
}

// restoreSigFrame reads the ucontext b (len ucSize) back into f and
// returns the FXSAVE image's address and the signal mask to restore.
func restoreSigFrame(b []byte, f *trap.Frame) (fp uintptr, mask uint64) {
	get := func(off uintptr) uintptr { return uintptr(le64(b[off:])) }
	mc := uintptr(linux.UcMcontext)
	for i, r := range mcRegs(f) {
		*r = get(mc + uintptr(i)*8)
	}
	f.RIP = get(mc + linux.McRIP)
	// Only the arithmetic flags, TF, DF and AC come from the frame; IF stays on.
	const userFlags = 0x0CD5 | 1<<8 | 1<<18
	f.RFLAGS = f.RFLAGS&^userFlags | get(mc+linux.McEFL)&userFlags | trap.FlagIF
	return get(mc + linux.McFpstate), uint64(get(linux.UcSigmask)) &^ (bit(linux.SIGKILL) | bit(linux.SIGSTOP))
}

// rtSigreturn restores the context saved by deliver; RSP points just past
// pretcode, at the ucontext the handler may have edited (async preemption does).
func rtSigreturn(f *trap.Frame) {
	b, ok := userBytes(f.RSP, linux.SizeofUcontext, false)
	if !ok {
		Killed(f, linux.SIGSEGV, linux.SI_KERNEL, f.RSP)
	}
	fp, mask := restoreSigFrame(b, f)
	if fp != 0 {
		if _, ok := userBytes(fp, fxSize, false); ok {
			copyFX(f.FX, fp)
			*mxcsr(f.FX) &= mxcsrValid // reserved bits would make FXRSTOR fault
		}
	}
	sched.Global.Current().SigMask = mask
}

// mxcsrValid masks MXCSR's defined bits (SDM vol. 1, 10.2.3).
const mxcsrValid = 0xFFFF

// Killed ends the program as a signal would on Linux: a report on stderr
// and exit status 128+sig (what a shell shows for a process killed by sig).
func Killed(f *trap.Frame, sig linux.Signal, code int, addr uintptr) {
	var b kfmt.Buf
	b.Str("unigo: program killed by signal ").Udec(uint64(sig)).Str(" (").Str(signalName(sig)).
		Str(") code ").Dec(int64(code)).Str(" addr ").Hex(uint64(addr)).Byte('\n')
	Console(2, b.Bytes())
	Report(f, addr)
	Exit(128 + int(sig))
}

func signalName(sig linux.Signal) string {
	switch sig {
	case linux.SIGILL:
		return "SIGILL"
	case linux.SIGTRAP:
		return "SIGTRAP"
	case linux.SIGABRT:
		return "SIGABRT"
	case linux.SIGBUS:
		return "SIGBUS"
	case linux.SIGFPE:
		return "SIGFPE"
	case linux.SIGKILL:
		return "SIGKILL"
	case linux.SIGSEGV:
		return "SIGSEGV"
	}
	return "signal"
}

type sigaction struct{ handler, flags, restorer, mask uint64 }

func rtSigaction(sig linux.Signal, act, oact uintptr) uintptr {
	if sig < 1 || int(sig) >= len(sigs) {
		return linux.EINVAL.Ret()
	}
	old := sigs[sig]
	if act != 0 {
		if sig == linux.SIGKILL || sig == linux.SIGSTOP {
			return linux.EINVAL.Ret()
		}
		b, ok := userBytes(act, 32, false)
		if !ok {
			return linux.EFAULT.Ret()
		}
		sigs[sig] = sigaction{le64(b[0:]), le64(b[8:]), le64(b[16:]), le64(b[24:])}
	}
	if oact != 0 {
		if !store64(oact, old.handler) || !store64(oact+8, old.flags) || !store64(oact+16, old.restorer) || !store64(oact+24, old.mask) {
			return linux.EFAULT.Ret()
		}
	}
	return 0
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func rtSigprocmask(how int, set, oset uintptr) uintptr {
	t := sched.Global.Current()
	old := t.SigMask
	if set != 0 {
		m, ok := load64(set)
		if !ok {
			return linux.EFAULT.Ret()
		}
		switch how {
		case linux.SIG_BLOCK:
			t.SigMask |= m
		case linux.SIG_UNBLOCK:
			t.SigMask &^= m
		case linux.SIG_SETMASK:
			t.SigMask = m
		default:
			return linux.EINVAL.Ret()
		}
	}
	if oset != 0 && !store64(oset, old) {
		return linux.EFAULT.Ret()
	}
	return 0
}

func sigaltstack(ss, oss uintptr) uintptr {
	t := sched.Global.Current()
	if oss != 0 {
		flags := t.AltStack[1]
		if t.AltStack[0] == 0 {
			flags = linux.SS_DISABLE
		}
		if !store64(oss, uint64(t.AltStack[0])) || !store64(oss+8, uint64(flags)) || !store64(oss+16, uint64(t.AltStack[2])) {
			return linux.EFAULT.Ret()
		}
	}
	if ss != 0 {
		sp, ok1 := load64(ss)
		flags, ok2 := load64(ss + 8)
		size, ok3 := load64(ss + 16)
		if !ok1 || !ok2 || !ok3 {
			return linux.EFAULT.Ret()
		}
		if flags&linux.SS_DISABLE != 0 {
			t.AltStack = [3]uintptr{}
		} else {
			t.AltStack = [3]uintptr{uintptr(sp), uintptr(flags), uintptr(size)}
		}
	}
	return 0
}

// The table's handlers (table.go) of the signal calls.

func sysRtSigaction(_ *trap.Frame, a [6]uintptr) uintptr {
	return rtSigaction(linux.Signal(a[0]), a[1], a[2])
}
func sysRtSigprocmask(_ *trap.Frame, a [6]uintptr) uintptr {
	return rtSigprocmask(int(a[0]), a[1], a[2])
}

// sysRtSigreturn returns the restored AX: every register comes from the
// signal frame.
func sysRtSigreturn(f *trap.Frame, _ [6]uintptr) uintptr {
	rtSigreturn(f)
	return f.AX
}
func sysSigaltstack(_ *trap.Frame, a [6]uintptr) uintptr { return sigaltstack(a[0], a[1]) }
func sysTgkill(_ *trap.Frame, a [6]uintptr) uintptr {
	return kill(int(a[1]), linux.Signal(a[2]))
}
func sysTkill(_ *trap.Frame, a [6]uintptr) uintptr { return kill(int(a[0]), linux.Signal(a[1])) }

// sysKill signals the one process, whatever the pid: any thread takes it.
func sysKill(_ *trap.Frame, a [6]uintptr) uintptr { return kill(0, linux.Signal(a[1])) }
