package sys

import (
	"unigo/kernel/clock"
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
