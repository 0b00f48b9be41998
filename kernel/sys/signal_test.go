package sys

import (
	"encoding/binary"
	"testing"

	"unigo/kernel/trap"

	"unigo/kernel/abi/linux"
)

// The layout the Go runtime reads (runtime/defs_linux_amd64.go: ucontext,
// mcontext gregs indexed REG_R8=0 ... REG_RSP=15, REG_RIP=16, REG_EFL=17,
// REG_ERR=19, REG_TRAPNO=20, REG_CR2=22; siginfo si_signo, si_errno,
// si_code, then si_addr at 16).
func TestSigFrameLayout(t *testing.T) {
	f := trap.Frame{R8: 8, R9: 9, R10: 10, R11: 11, R12: 12, R13: 13, R14: 14, R15: 15, DI: 101, SI: 102,
		BP: 103, BX: 104, DX: 105, AX: 106, CX: 107, RSP: 0x7000, RIP: 0x401234, RFLAGS: 0x246, CS: 8, SS: 0x10, Vector: 14, Err: 6}
	d := sigFrame{sig: linux.SIGSEGV, code: linux.SEGV_MAPERR, addr: 0x10, errCode: 6, restorer: 0x4abcde, mask: 0x55,
		alt: [3]uintptr{0x9000, 0, 0x8000}, fp: 0x6000}
	b := make([]byte, frameLen)
	buildSigFrame(b, &f, &d)
	u64 := func(off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }
	const mc = frameUC + 40
	for _, c := range []struct {
		name string
		off  int
		want uint64
	}{
		{"pretcode", 0, 0x4abcde},
		{"uc_stack.ss_sp", frameUC + 16, 0x9000},
		{"uc_stack.ss_size", frameUC + 32, 0x8000},
		{"gregs[REG_R8]", mc + 0*8, 8},
		{"gregs[REG_R15]", mc + 7*8, 15},
		{"gregs[REG_RDI]", mc + 8*8, 101},
		{"gregs[REG_RAX]", mc + 13*8, 106},
		{"gregs[REG_RSP]", mc + 15*8, 0x7000},
		{"gregs[REG_RIP]", mc + 16*8, 0x401234},
		{"gregs[REG_EFL]", mc + 17*8, 0x246},
		{"gregs[REG_ERR]", mc + 19*8, 6},
		{"gregs[REG_TRAPNO]", mc + 20*8, 14},
		{"gregs[REG_CR2]", mc + 22*8, 0x10},
		{"fpregs", mc + 23*8, 0x6000},
		{"uc_sigmask", frameUC + 296, 0x55},
		{"si_signo", frameInfo, uint64(linux.SIGSEGV)},
		{"si_code", frameInfo + 8, linux.SEGV_MAPERR},
		{"si_addr", frameInfo + 16, 0x10},
	} {
		if got := u64(c.off); got != c.want {
			t.Errorf("%s at %d = %#x, want %#x", c.name, c.off, got, c.want)
		}
	}

	// A handler that edits the context (as async preemption does) is
	// obeyed by rt_sigreturn, except that interrupts stay enabled.
	binary.LittleEndian.PutUint64(b[mc+16*8:], 0x402000)
	binary.LittleEndian.PutUint64(b[mc+15*8:], 0x6ff8)
	binary.LittleEndian.PutUint64(b[mc+17*8:], 0x0)
	var g trap.Frame
	g.RFLAGS = trap.FlagIF
	fp, mask := restoreSigFrame(b[frameUC:frameUC+linux.SizeofUcontext], &g)
	if g.RIP != 0x402000 || g.RSP != 0x6ff8 || g.AX != 106 || g.R15 != 15 || g.RFLAGS&trap.FlagIF == 0 {
		t.Errorf("restoreSigFrame: rip %#x rsp %#x rax %d r15 %d rflags %#x", g.RIP, g.RSP, g.AX, g.R15, g.RFLAGS)
	}
	if fp != 0x6000 || mask != 0x55 {
		t.Errorf("restoreSigFrame = fp %#x, mask %#x; want 0x6000, 0x55", fp, mask)
	}
}

func TestSigFrameTkillInfo(t *testing.T) {
	b := make([]byte, frameLen)
	buildSigFrame(b, &trap.Frame{}, &sigFrame{sig: linux.SIGURG, code: linux.SI_TKILL})
	if code := int32(binary.LittleEndian.Uint32(b[frameInfo+8:])); code != linux.SI_TKILL {
		t.Errorf("si_code = %d, want SI_TKILL (%d)", code, linux.SI_TKILL)
	}
	if pid := binary.LittleEndian.Uint32(b[frameInfo+16:]); pid != 1 {
		t.Errorf("si_pid = %d, want 1", pid)
	}
}

func FuzzRestoreSigFrame(f *testing.F) {
	f.Add(make([]byte, linux.SizeofUcontext))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < linux.SizeofUcontext {
			return
		}
		var g trap.Frame
		_, mask := restoreSigFrame(b[:linux.SizeofUcontext], &g)
		if g.RFLAGS&trap.FlagIF == 0 {
			t.Errorf("a signal frame turned interrupts off: rflags %#x", g.RFLAGS)
		}
		if g.RFLAGS&^(0x0CD5|1<<8|1<<18|trap.FlagIF) != 0 {
			t.Errorf("a signal frame set privileged flags: %#x", g.RFLAGS)
		}
		if mask&(bit(linux.SIGKILL)|bit(19)) != 0 {
			t.Errorf("SIGKILL/SIGSTOP blocked by a signal frame: %#x", mask)
		}
	})
}
