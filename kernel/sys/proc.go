package sys

import (
	"encoding/binary"

	"unigo/kernel/clock"
	"unigo/kernel/cpu"
	"unigo/kernel/drbg"
	"unigo/kernel/mm"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// clone flags (include/uapi/linux/sched.h).
const (
	cloneVM     = 0x100
	cloneThread = 0x10000
	cloneSetTLS = 0x80000
)

// clone makes a thread sharing everything, as the Go runtime's newosproc
// asks: the child returns 0 on its new stack with its own TLS.
func clone(f *trap.Frame) uintptr {
	flags, stack, tls := f.DI, f.SI, f.R8
	if flags&(cloneVM|cloneThread) != cloneVM|cloneThread {
		return errno(ENOSYS) // no fork: one program, one address space
	}
	child := *f
	child.AX = 0
	if stack != 0 {
		child.RSP = stack
	}
	if flags&cloneSetTLS != 0 {
		child.FS = tls
	}
	slot, tid, ok := Sched.Spawn(&child)
	if !ok {
		return errno(EAGAIN)
	}
	fx := fxArea(slot)
	copyFX(fx, trap.This().ThreadFX) // the parent's SSE state, saved at entry
	Sched.T[slot].Frame.FX = fx
	return uintptr(tid)
}

func exitThread(code int) uintptr {
	if Sched.Threads == 1 {
		Exit(code)
	}
	Sched.Exit()
	return 0
}

// futex operations (include/uapi/linux/futex.h).
const (
	futexWait       = 0
	futexWake       = 1
	futexWaitBitset = 9
	futexWakeBitset = 10
	futexCmdMask    = 0x7F // strips FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
)

func futex(addr uintptr, op int, val uint32, timeout uintptr) uintptr {
	switch op & futexCmdMask {
	case futexWait, futexWaitBitset:
		cur, ok := load32(addr)
		if !ok {
			return errno(EFAULT)
		}
		if cur != val {
			return errno(EAGAIN)
		}
		var deadline int64
		if timeout != 0 {
			d, ok := timespec(timeout)
			if !ok {
				return errno(EFAULT)
			}
			if op&futexCmdMask == futexWaitBitset { // absolute
				deadline = d
				if op&256 != 0 { // FUTEX_CLOCK_REALTIME
					deadline -= clock.Realtime() - clock.Nanotime()
				}
			} else {
				deadline = clock.Nanotime() + d
			}
			deadline = nonzero(deadline)
		}
		t := Sched.Block(sched.WaitFutex, deadline)
		t.Addr = addr
		return 0
	case futexWake, futexWakeBitset:
		return uintptr(Sched.WakeFutex(addr, int(val)))
	}
	return errno(ENOSYS)
}

// nonzero keeps a deadline from meaning "none".
func nonzero(d int64) int64 {
	if d <= 0 {
		return 1
	}
	return d
}

// timespec reads a struct timespec as nanoseconds.
func timespec(addr uintptr) (int64, bool) {
	sec, ok1 := load64(addr)
	nsec, ok2 := load64(addr + 8)
	return int64(sec)*1e9 + int64(nsec), ok1 && ok2
}

func putTimespec(addr uintptr, ns int64) uintptr {
	if !store64(addr, uint64(ns/1e9)) || !store64(addr+8, uint64(ns%1e9)) {
		return errno(EFAULT)
	}
	return 0
}

func nanosleep(req uintptr) uintptr {
	d, ok := timespec(req)
	if !ok {
		return errno(EFAULT)
	}
	if d < 0 {
		return errno(EINVAL)
	}
	Sched.Block(sched.WaitSleep, nonzero(clock.Nanotime()+d))
	return 0
}

// Clock ids (include/uapi/linux/time.h).
const (
	clockRealtime       = 0
	clockRealtimeCoarse = 5
	clockTAI            = 11
	timerAbstime        = 1
)

func clockNanosleep(clk, flags int, req uintptr) uintptr {
	if flags&timerAbstime == 0 {
		return nanosleep(req)
	}
	d, ok := timespec(req)
	if !ok {
		return errno(EFAULT)
	}
	if clk == clockRealtime {
		d -= clock.Realtime() - clock.Nanotime()
	}
	Sched.Block(sched.WaitSleep, nonzero(d))
	return 0
}

func clockGettime(clk int, ts uintptr) uintptr {
	switch clk {
	case clockRealtime, clockRealtimeCoarse, clockTAI:
		return putTimespec(ts, clock.Realtime())
	}
	return putTimespec(ts, clock.Nanotime())
}

func clockGetres(ts uintptr) uintptr {
	if ts == 0 {
		return 0
	}
	return putTimespec(ts, 1)
}

func gettimeofday(tv uintptr) uintptr {
	if tv == 0 {
		return 0
	}
	ns := clock.Realtime()
	if !store64(tv, uint64(ns/1e9)) || !store64(tv+8, uint64(ns%1e9/1e3)) {
		return errno(EFAULT)
	}
	return 0
}

// arch_prctl codes (arch/x86/include/uapi/asm/prctl.h).
const (
	archSetFS = 0x1002
	archGetFS = 0x1003
)

func archPrctl(f *trap.Frame, code int, addr uintptr) uintptr {
	switch code {
	case archSetFS:
		f.FS = addr
		trap.This().ThreadFS = addr
		return 0
	case archGetFS:
		if !store64(addr, uint64(f.FS)) {
			return errno(EFAULT)
		}
		return 0
	}
	return errno(EINVAL)
}

// prctlSetVMA is PR_SET_VMA: naming anonymous mappings, which we do not keep.
const prctlSetVMA = 0x53564d41

func prctl(option int) uintptr {
	if option == prctlSetVMA {
		return errno(EINVAL)
	}
	return 0
}

// schedGetaffinity reports one CPU (the boot CPU runs every thread).
func schedGetaffinity(size, mask uintptr) uintptr {
	if size < 8 {
		return errno(EINVAL)
	}
	if !store64(mask, 1) {
		return errno(EFAULT)
	}
	return 8
}

const (
	sigKill  = 9
	sigStop  = 19
	sigSetSz = 8
)

func rtSigaction(sig int, act, oact uintptr) uintptr {
	if sig < 1 || sig >= len(sigs) {
		return errno(EINVAL)
	}
	old := sigs[sig]
	if act != 0 {
		if sig == sigKill || sig == sigStop {
			return errno(EINVAL)
		}
		b, ok := userBytes(act, 32, false)
		if !ok {
			return errno(EFAULT)
		}
		sigs[sig] = sigaction{le64(b[0:]), le64(b[8:]), le64(b[16:]), le64(b[24:])}
	}
	if oact != 0 {
		if !store64(oact, old.handler) || !store64(oact+8, old.flags) || !store64(oact+16, old.restorer) || !store64(oact+24, old.mask) {
			return errno(EFAULT)
		}
	}
	return 0
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// rt_sigprocmask how (include/uapi/asm-generic/signal-defs.h).
const (
	sigBlock   = 0
	sigUnblock = 1
	sigSetmask = 2
)

func rtSigprocmask(how int, set, oset uintptr) uintptr {
	t := Sched.Current()
	old := t.SigMask
	if set != 0 {
		m, ok := load64(set)
		if !ok {
			return errno(EFAULT)
		}
		switch how {
		case sigBlock:
			t.SigMask |= m
		case sigUnblock:
			t.SigMask &^= m
		case sigSetmask:
			t.SigMask = m
		default:
			return errno(EINVAL)
		}
	}
	if oset != 0 && !store64(oset, old) {
		return errno(EFAULT)
	}
	return 0
}

const ssDisable = 2

func sigaltstack(ss, oss uintptr) uintptr {
	t := Sched.Current()
	if oss != 0 {
		flags := t.AltStack[1]
		if t.AltStack[0] == 0 {
			flags = ssDisable
		}
		if !store64(oss, uint64(t.AltStack[0])) || !store64(oss+8, uint64(flags)) || !store64(oss+16, uint64(t.AltStack[2])) {
			return errno(EFAULT)
		}
	}
	if ss != 0 {
		sp, ok1 := load64(ss)
		flags, ok2 := load64(ss + 8)
		size, ok3 := load64(ss + 16)
		if !ok1 || !ok2 || !ok3 {
			return errno(EFAULT)
		}
		if flags&ssDisable != 0 {
			t.AltStack = [3]uintptr{}
		} else {
			t.AltStack = [3]uintptr{uintptr(sp), uintptr(flags), uintptr(size)}
		}
	}
	return 0
}

// uname: struct utsname is six 65-byte strings.
func uname(buf uintptr) uintptr {
	b, ok := userBytes(buf, 6*65, true)
	if !ok {
		return errno(EFAULT)
	}
	for i := range b {
		b[i] = 0
	}
	for i, s := range [...]string{"Linux", "unigo", "6.1.0-unigo", "#1 SMP unigo", "x86_64", "(none)"} {
		copy(b[i*65:], s)
	}
	return 0
}

// Resource limits (include/uapi/asm-generic/resource.h).
const (
	rlimitStack  = 3
	rlimitNofile = 7
	rlimInfinity = ^uint64(0)
)

func prlimit(res int, newp, oldp uintptr) uintptr {
	if res < 0 || res >= len(limits) {
		return errno(EINVAL)
	}
	l := &limits[res]
	if l[0] == 0 && l[1] == 0 {
		switch res {
		case rlimitNofile:
			*l = [2]uint64{MaxFDs, MaxFDs}
		case rlimitStack:
			*l = [2]uint64{stackSize, rlimInfinity}
		default:
			*l = [2]uint64{rlimInfinity, rlimInfinity}
		}
	}
	old := *l
	if newp != 0 {
		cur, ok1 := load64(newp)
		max, ok2 := load64(newp + 8)
		if !ok1 || !ok2 {
			return errno(EFAULT)
		}
		if cur > max || max > old[1] {
			return errno(EPERM)
		}
		*l = [2]uint64{cur, max}
	}
	if oldp != 0 && (!store64(oldp, old[0]) || !store64(oldp+8, old[1])) {
		return errno(EFAULT)
	}
	return 0
}

// stackSize is the main thread's stack mapping (the runtime runs m0's g0
// on it and needs 64 KiB; goroutine stacks live in the Go heap).
const stackSize = 1 << 20

// StackSize is stackSize for package kernel.
const StackSize = stackSize

func getrandom(buf, n uintptr) uintptr {
	b, ok := userBytes(buf, n, true)
	if !ok {
		return errno(EFAULT)
	}
	Random(b)
	return n
}

// rng is the generator behind getrandom and AT_RANDOM (kernel/drbg).
var rng drbg.Generator

// Entropy says where the generator's seeds came from, for unigo run -v and
// the warning below.
var Entropy struct {
	CPU    bool   // RDSEED or RDRAND answered
	Device uint64 // bytes from the virtio entropy device (AddEntropy)
}

// Random fills b from the kernel's ChaCha20 generator, after mixing in
// 16 bytes from RDSEED/RDRAND (carry flag checked, bounded retries, SDM
// vol. 1 §7.3.17) when the CPU has them, and the TSC. Without those
// instructions and before the virtio entropy device has seeded it, the
// output is unpredictable only as far as the TSC is: enough for the
// runtime's hash seeds, not for keys; the kernel warns at boot then.
func Random(b []byte) {
	var seed [24]byte
	n := 0
	for w := 0; w < 2; w++ {
		v, ok := uint64(0), false
		for i := 0; i < 10 && !ok && CPU.RDSEED; i++ {
			v, ok = cpu.Rdseed()
		}
		for i := 0; i < 10 && !ok && CPU.RDRAND; i++ {
			v, ok = cpu.Rdrand()
		}
		if ok {
			Entropy.CPU = true
			binary.LittleEndian.PutUint64(seed[n:], v)
			n += 8
		}
	}
	binary.LittleEndian.PutUint64(seed[n:], cpu.Rdtsc())
	n += 8
	rng.Mix(seed[:n])
	rng.Read(b)
	clear(seed[:])
}

// AddEntropy mixes seed bytes from a device into the generator (the
// private call SysAddEntropy; kernel/entropy.go reads virtio-rng).
func AddEntropy(buf, n uintptr) uintptr {
	b, ok := userBytes(buf, n, false)
	if !ok || n > 4096 {
		return errno(EFAULT)
	}
	rng.Mix(b)
	Entropy.Device += uint64(n)
	return 0
}

// mmap flags (include/uapi/asm-generic/mman-common.h, linux/mman.h).
const (
	mapShared    = 0x01
	mapFixed     = 0x10
	mapAnonymous = 0x20
	mapNoreserve = 0x4000
	madvDontneed = 4
	madvFree     = 8
)

func mmap(addr, length, prot, flags, fd uintptr) uintptr {
	if flags&mapAnonymous == 0 {
		return errno(19) // ENODEV: no files to map yet
	}
	a, e := Space.Mmap(addr, length, uint32(prot), flags&mapFixed != 0, flags&mapNoreserve != 0)
	if e != mm.OK {
		return errno(e)
	}
	return a
}

func madvise(addr, length uintptr, advice int) uintptr {
	switch advice {
	case madvDontneed, madvFree:
		return fromMM(Space.Discard(addr, length))
	}
	return 0
}

func getcwd(buf, size uintptr) uintptr {
	if size < 2 {
		return errno(34) // ERANGE
	}
	b, ok := userBytes(buf, 2, true)
	if !ok {
		return errno(EFAULT)
	}
	b[0], b[1] = '/', 0
	return 2
}

func nowNS() int64 { return clock.Nanotime() }
