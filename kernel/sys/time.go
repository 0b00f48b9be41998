package sys

import (
	"unigo/kernel/clock"
	"unigo/kernel/sched"
)

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

func nowNS() int64 { return clock.Nanotime() }
