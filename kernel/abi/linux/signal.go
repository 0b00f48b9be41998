package linux

// Signal actions, codes and the signal frame: what x/sys does not export.

// sigaction flags and handlers (arch/x86/include/uapi/asm/signal.h,
// include/uapi/asm-generic/signal-defs.h).
const (
	SA_SIGINFO   = 0x4
	SA_ONSTACK   = 0x08000000
	SA_RESTART   = 0x10000000
	SA_NODEFER   = 0x40000000
	SA_RESETHAND = 0x80000000
	SA_RESTORER  = 0x04000000

	SIG_DFL = 0
	SIG_IGN = 1

	SS_ONSTACK = 1 // sigaltstack ss_flags (include/uapi/linux/signal.h)
	SS_DISABLE = 2

	SizeofSigset = 8 // the kernel's sigset_t: 64 signals
	NSIG         = 64
)

// si_code values (include/uapi/asm-generic/siginfo.h).
const (
	SI_USER     = 0
	SI_KERNEL   = 0x80
	SI_TKILL    = -6
	SEGV_MAPERR = 1
	SEGV_ACCERR = 2
	FPE_INTDIV  = 1
	ILL_ILLOPN  = 2
	TRAP_BRKPT  = 1
)

// The rt_sigframe the kernel writes below the handler's stack
// (arch/x86/include/uapi/asm/sigcontext.h, ucontext.h,
// arch/x86/kernel/signal_64.c): the handler's RSP points at pretcode,
// the restorer address it returns to; then the ucontext, then the
// siginfo.
const (
	UcFlags        = 0
	UcStack        = 16 // stack_t: ss_sp, ss_flags, ss_size
	UcMcontext     = 40 // struct sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, csgsfs, err, trapno, oldmask, cr2, fpstate
	UcSigmask      = 296
	SizeofUcontext = 304
	SizeofSiginfo  = 128

	// Offsets of struct sigcontext's fields after the 16 general registers.
	McRIP     = 16 * 8
	McEFL     = 17 * 8
	McCSGSFS  = 18 * 8
	McErr     = 19 * 8
	McTrapno  = 20 * 8
	McOldmask = 21 * 8
	McCR2     = 22 * 8
	McFpstate = 23 * 8

	RedZone = 128 // the System V x86-64 ABI's red zone below RSP
)
