package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/clock"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// Time: clocks, sleeps and the deadlines of waits.

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
		return linux.EFAULT.Ret()
	}
	return 0
}

func nanosleep(req uintptr) uintptr {
	d, ok := timespec(req)
	if !ok {
		return linux.EFAULT.Ret()
	}
	if d < 0 {
		return linux.EINVAL.Ret()
	}
	sched.Global.Block(sched.WaitSleep, nonzero(clock.Nanotime()+d))
	return 0
}

func clockNanosleep(clk, flags int, req uintptr) uintptr {
	if flags&linux.TIMER_ABSTIME == 0 {
		return nanosleep(req)
	}
	d, ok := timespec(req)
	if !ok {
		return linux.EFAULT.Ret()
	}
	if clk == linux.CLOCK_REALTIME {
		d -= clock.Realtime() - clock.Nanotime()
	}
	sched.Global.Block(sched.WaitSleep, nonzero(d))
	return 0
}

func clockGettime(clk int, ts uintptr) uintptr {
	switch clk {
	case linux.CLOCK_REALTIME, linux.CLOCK_REALTIME_COARSE, linux.CLOCK_TAI:
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
		return linux.EFAULT.Ret()
	}
	return 0
}

func nowNS() int64 { return clock.Nanotime() }

// The table's handlers (table.go) of the time calls.

func sysNanosleep(_ *trap.Frame, a [6]uintptr) uintptr { return nanosleep(a[0]) }
func sysClockNanosleep(_ *trap.Frame, a [6]uintptr) uintptr {
	return clockNanosleep(int(a[0]), int(a[1]), a[2])
}
func sysClockGettime(_ *trap.Frame, a [6]uintptr) uintptr { return clockGettime(int(a[0]), a[1]) }
func sysClockGetres(_ *trap.Frame, a [6]uintptr) uintptr  { return clockGetres(a[1]) }
func sysGettimeofday(_ *trap.Frame, a [6]uintptr) uintptr { return gettimeofday(a[0]) }

func sysTime(_ *trap.Frame, a [6]uintptr) uintptr {
	r := uintptr(clock.Realtime() / 1e9)
	if a[0] != 0 && !store64(a[0], uint64(r)) {
		return linux.EFAULT.Ret()
	}
	return r
}
