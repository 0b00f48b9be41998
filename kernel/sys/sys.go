// Package sys is unigo's Linux personality: the syscall table the Go
// runtime and os package call through SYSCALL, implemented over the
// kernel's scheduler, memory and console. Only the Linux ABI is used, so a
// new Go release meets the same contract, and a call not implemented here
// prints its name once and returns ENOSYS.
//
// Everything here runs in trap context (see package trap): no allocation,
// no Go pointers stored, no blocking on the kernel stack. Calls that wait
// park their thread in the scheduler; the waker writes their result.
package sys

import (
	"unigo/drivers/qemudebug"
	"unigo/drivers/uart16550"
	"unigo/kernel/clock"
	"unigo/kernel/cpu"
	"unigo/kernel/kfmt"
	"unigo/kernel/mm"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// Linux syscall numbers used here (arch/x86/entry/syscalls/syscall_64.tbl;
// names.go has them all; sys_test.go checks these against x/sys/unix).
const (
	sysRead             = 0
	sysWrite            = 1
	sysClose            = 3
	sysFstat            = 5
	sysMmap             = 9
	sysMprotect         = 10
	sysMunmap           = 11
	sysRtSigaction      = 13
	sysRtSigprocmask    = 14
	sysRtSigreturn      = 15
	sysIoctl            = 16
	sysPread64          = 17
	sysWritev           = 20
	sysSchedYield       = 24
	sysMadvise          = 28
	sysNanosleep        = 35
	sysGetpid           = 39
	sysClone            = 56
	sysExit             = 60
	sysUname            = 63
	sysFcntl            = 72
	sysGetcwd           = 79
	sysGettimeofday     = 96
	sysGetrlimit        = 97
	sysGetuid           = 102
	sysGetgid           = 104
	sysGeteuid          = 107
	sysGetegid          = 108
	sysGetppid          = 110
	sysSigaltstack      = 131
	sysPrctl            = 157
	sysArchPrctl        = 158
	sysGettid           = 186
	sysTime             = 201
	sysFutex            = 202
	sysSchedSetaff      = 203
	sysSchedGetaffinity = 204
	sysEpollCreate      = 213
	sysSetTidAddress    = 218
	sysClockGettime     = 228
	sysClockGetres      = 229
	sysClockNanosleep   = 230
	sysExitGroup        = 231
	sysEpollWait        = 232
	sysEpollCtl         = 233
	sysTgkill           = 234
	sysKill             = 62
	sysTkill            = 200
	sysOpenat           = 257
	sysNewfstatat       = 262
	sysReadlinkat       = 267
	sysEpollPwait       = 281
	sysEventfd2         = 290
	sysEpollCreate1     = 291
	sysPrlimit64        = 302
	sysGetrandom        = 318
)

// Linux errno values (asm-generic/errno-base.h, errno.h).
const (
	EPERM  = 1
	ENOENT = 2
	EINTR  = 4
	EBADF  = 9
	EAGAIN = 11
	ENOMEM = 12
	EFAULT = 14
	EEXIST = 17
	EINVAL = 22
	EMFILE = 24
	ENOTTY = 25
	ESPIPE = 29
	ENOSYS = 38
)

func errno(e int) uintptr { return uintptr(-e) }

const fxSize = 512

// Kernel state, owned by this package, initialised by package kernel.
var (
	Sched  sched.Scheduler
	Frames mm.Frames
	Space  mm.Space
	CPU    cpu.Features
	Stats  struct {
		Calls      [512]uint64 // by syscall number
		Syscalls   uint64
		Interrupts uint64
		Faults     uint64
	}
	fxMem  [(sched.MaxThreads+1)*fxSize + 16]byte
	warned [512]bool
	sigs   [65]sigaction
	limits [16][2]uint64
)

// FXArea is the SSE save area of thread slot i.
func FXArea(i int) uintptr { return fxArea(i) }

// InitFX resets an SSE save area to the power-on state.
func InitFX(at uintptr) { initFX(at) }

var (
	com1 = uart16550.UART{Base: uart16550.COM1}
	com2 = uart16550.UART{Base: uart16550.COM2}
)

// Console writes to the program's stdout (fd 1) or stderr (fd 2).
func Console(fd int, p []byte) {
	if fd == 2 {
		com2.Write(cpu.Ports{}, p)
		return
	}
	com1.Write(cpu.Ports{}, p)
}

// InitConsole programs both UARTs.
func InitConsole() {
	com1.Init(cpu.Ports{})
	com2.Init(cpu.Ports{})
}

// Control sends one record to the host (see tools/unigo: control channel).
func Control(p []byte) { qemudebug.Control(cpu.Ports{}, p) }

// Exit ends the whole program with status code: the host sees it through
// the control channel and, under QEMU, as isa-debug-exit's status.
func Exit(code int) {
	var b kfmt.Buf
	if Verbose {
		ReportStats()
	}
	if BeforeExit != nil {
		BeforeExit()
	}
	b.Str("X ").Dec(int64(code)).Byte('\n')
	Control(b.Bytes())
	qemudebug.Exit(cpu.Ports{}, uint8(code))
	cpu.Halt()
}

// BeforeExit runs in Exit before the status goes out (package kernel
// sends the profile then).
var BeforeExit func()

// Verbose is set by unigo run -v (kernel command line): report statistics at exit.
var Verbose bool

// ReportStats sends the kernel's counters to the host.
func ReportStats() {
	var b kfmt.Buf
	b.Str("S frames-in-use ").Udec(Frames.InUse).Str(" peak ").Udec(Frames.Peak).Str(" total ").Udec(Frames.Total).
		Str(" switches ").Udec(Sched.Switches).Str(" syscalls ").Udec(Stats.Syscalls).
		Str(" interrupts ").Udec(Stats.Interrupts).Str(" faults ").Udec(Space.Faults).Byte('\n')
	Control(b.Bytes())
	for n := range Stats.Calls {
		if Stats.Calls[n] == 0 {
			continue
		}
		b.Reset()
		b.Str("C ").Str(Name(uintptr(n))).Byte(' ').Udec(Stats.Calls[n]).Byte('\n')
		Control(b.Bytes())
	}
}

// Name returns a syscall's Linux name.
func Name(n uintptr) string {
	if n < uintptr(len(names)) && names[n] != "" {
		return names[n]
	}
	return "unknown"
}

// Dispatch runs the syscall in f (number in AX, arguments in DI, SI, DX,
// R10, R8, R9) and leaves the result in f.AX.
func Dispatch(f *trap.Frame) {
	nr := f.AX
	dispatch(f)
	if restart.pending {
		restartCall(f, nr)
	}
}

func dispatch(f *trap.Frame) {
	n := f.AX
	Stats.Syscalls++
	if n < uintptr(len(Stats.Calls)) {
		Stats.Calls[n]++
	}
	a0, a1, a2, a3 := f.DI, f.SI, f.DX, f.R10
	args := [6]uintptr{a0, a1, a2, a3, f.R8, f.R9}
	if r, ok := fileCall(n, args); ok {
		f.AX = r
		return
	}
	if r, ok := socketCall(n, args); ok {
		f.AX = r
		return
	}
	var r uintptr
	switch n {
	case SysServe:
		r = serve(f)
	case SysNotify:
		r = notify(int(a0), uint32(a1), a2 != 0)
	case SysDMAAlloc:
		r = dmaAlloc(a0)
	case SysIRQOpen:
		r = irqOpen(int(a0))
	case SysMapMMIO:
		r = mapMMIO(a0, a1)
	case SysAddEntropy:
		r = AddEntropy(a0, a1)
	case sysReadv:
		r = readv(int(a0), a1, a2)
	case SysTestKernelFault:
		r = uintptr(crashForTest(0))
	case sysRead:
		r = read(int(a0), a1, a2)
	case sysWrite:
		r = write(int(a0), a1, a2)
	case sysWritev:
		r = writev(int(a0), a1, a2)
	case sysClose:
		r = closeFD(int(a0))
	case sysFstat:
		r = fstat(int(a0), a1)
	case sysPread64:
		r = pread(int(a0), a1, a2, a3)
	case sysIoctl:
		r = errno(ENOTTY)
	case sysFcntl:
		r = fcntl(int(a0), int(a1), a2)
	case sysMmap:
		r = mmap(a0, a1, a2, a3, f.R8)
	case sysMunmap:
		r = fromMM(Space.Munmap(a0, a1))
	case sysMprotect:
		r = fromMM(Space.Mprotect(a0, a1, uint32(a2)))
	case sysMadvise:
		r = madvise(a0, a1, int(a2))
	case sysClone:
		r = clone(f)
	case sysExit:
		r = exitThread(int(a0))
	case sysExitGroup:
		Exit(int(a0 & 0xFF))
	case sysFutex:
		r = futex(a0, int(a1), uint32(a2), a3)
	case sysNanosleep:
		r = nanosleep(a0)
	case sysClockNanosleep:
		r = clockNanosleep(int(a0), int(a1), a2)
	case sysSchedYield:
		Sched.Yield()
	case sysClockGettime:
		r = clockGettime(int(a0), a1)
	case sysClockGetres:
		r = clockGetres(a1)
	case sysGettimeofday:
		r = gettimeofday(a0)
	case sysTime:
		r = uintptr(clock.Realtime() / 1e9)
		if a0 != 0 && !store64(a0, uint64(r)) {
			r = errno(EFAULT)
		}
	case sysGetpid:
		r = 1
	case sysGetppid, sysGetuid, sysGetgid, sysGeteuid, sysGetegid:
		r = 0
	case sysGettid, sysSetTidAddress:
		r = uintptr(Sched.Current().TID)
	case sysArchPrctl:
		r = archPrctl(f, int(a0), a1)
	case sysPrctl:
		r = prctl(int(a0))
	case sysSchedGetaffinity:
		r = schedGetaffinity(a1, a2)
	case sysSchedSetaff:
		r = 0
	case sysRtSigaction:
		r = rtSigaction(int(a0), a1, a2)
	case sysRtSigprocmask:
		r = rtSigprocmask(int(a0), a1, a2)
	case sysSigaltstack:
		r = sigaltstack(a0, a1)
	case sysTgkill:
		r = kill(int(a1), int(a2))
	case sysTkill:
		r = kill(int(a0), int(a1))
	case sysKill:
		r = kill(0, int(a1))
	case sysRtSigreturn:
		rtSigreturn(f)
		return // every register comes from the signal frame
	case sysUname:
		r = uname(a0)
	case sysPrlimit64:
		r = prlimit(int(a1), a2, a3)
	case sysGetrlimit:
		r = prlimit(int(a0), 0, a1)
	case sysGetrandom:
		r = getrandom(a0, a1)
	case sysEpollCreate, sysEpollCreate1:
		r = epollCreate()
	case sysEpollCtl:
		r = epollCtl(int(a0), int(a1), int(a2), a3)
	case sysEpollWait, sysEpollPwait:
		r = epollWait(int(a0), a1, int(a2), int(int32(a3)))
	case sysEventfd2:
		r = eventfd(uint64(a0), int(a1))
	default:
		r = unknown(n)
	}
	f.AX = r
}

func unknown(n uintptr) uintptr {
	if n >= uintptr(len(warned)) || !warned[n] {
		if n < uintptr(len(warned)) {
			warned[n] = true
		}
		var b kfmt.Buf
		b.Str("unigo: unimplemented syscall ").Str(Name(n)).Str(" (").Udec(uint64(n)).Str("): ENOSYS\n")
		Console(2, b.Bytes())
	}
	return errno(ENOSYS)
}
