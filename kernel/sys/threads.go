package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/clock"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// Threads and futexes: clone, exit, futex, sched_*, gettid.

// clone makes a thread sharing everything, as the Go runtime's newosproc
// asks: the child returns 0 on its new stack with its own TLS.
func clone(f *trap.Frame) uintptr {
	flags, stack, tls := f.DI, f.SI, f.R8
	if flags&(linux.CLONE_VM|linux.CLONE_THREAD) != linux.CLONE_VM|linux.CLONE_THREAD {
		return linux.ENOSYS.Ret() // no fork: one program, one address space
	}
	child := *f
	child.AX = 0
	if stack != 0 {
		child.RSP = stack
	}
	if flags&linux.CLONE_SETTLS != 0 {
		child.FS = tls
	}
	slot, tid, ok := sched.Global.Spawn(&child)
	if !ok {
		return linux.EAGAIN.Ret()
	}
	fx := fxArea(slot)
	copyFX(fx, trap.This().ThreadFX) // the parent's SSE state, saved at entry
	sched.Global.T[slot].Frame.FX = fx
	return uintptr(tid)
}

func exitThread(code int) uintptr {
	if sched.Global.Threads == 1 {
		Exit(code)
	}
	sched.Global.Exit()
	return 0
}

func futex(addr uintptr, op int, val uint32, timeout uintptr) uintptr {
	switch op & linux.FUTEX_CMD_MASK {
	case linux.FUTEX_WAIT, linux.FUTEX_WAIT_BITSET:
		cur, ok := load32(addr)
		if !ok {
			return linux.EFAULT.Ret()
		}
		if cur != val {
			return linux.EAGAIN.Ret()
		}
		var deadline int64
		if timeout != 0 {
			d, ok := timespec(timeout)
			if !ok {
				return linux.EFAULT.Ret()
			}
			if op&linux.FUTEX_CMD_MASK == linux.FUTEX_WAIT_BITSET { // absolute
				deadline = d
				if op&linux.FUTEX_CLOCK_REALTIME != 0 {
					deadline -= clock.Realtime() - clock.Nanotime()
				}
			} else {
				deadline = clock.Nanotime() + d
			}
			deadline = nonzero(deadline)
		}
		t := sched.Global.Block(sched.WaitFutex, deadline)
		t.Addr = addr
		return 0
	case linux.FUTEX_WAKE, linux.FUTEX_WAKE_BITSET:
		return uintptr(sched.Global.WakeFutex(addr, int(val)))
	}
	return linux.ENOSYS.Ret()
}

// schedGetaffinity reports one CPU (the boot CPU runs every thread).
func schedGetaffinity(size, mask uintptr) uintptr {
	if size < 8 {
		return linux.EINVAL.Ret()
	}
	if !store64(mask, 1) {
		return linux.EFAULT.Ret()
	}
	return 8
}

// The table's handlers (table.go) of the thread calls.

func sysClone(f *trap.Frame, _ [6]uintptr) uintptr { return clone(f) }
func sysExit(_ *trap.Frame, a [6]uintptr) uintptr  { return exitThread(int(a[0])) }

// sysExitGroup does not return.
func sysExitGroup(_ *trap.Frame, a [6]uintptr) uintptr {
	Exit(int(a[0] & 0xFF))
	return 0
}
func sysFutex(_ *trap.Frame, a [6]uintptr) uintptr {
	return futex(a[0], int(a[1]), uint32(a[2]), a[3])
}
func sysSchedYield(*trap.Frame, [6]uintptr) uintptr {
	sched.Global.Yield()
	return 0
}
func sysSchedGetaffinity(_ *trap.Frame, a [6]uintptr) uintptr { return schedGetaffinity(a[1], a[2]) }
func sysGettid(*trap.Frame, [6]uintptr) uintptr               { return uintptr(sched.Global.Current().TID) }
