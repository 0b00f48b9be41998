package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/clock"
	"unigo/kernel/mm"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// Process information: the answers of a single process, root, on one
// machine (uname, sysinfo, resource limits, prctl, arch_prctl).

// uname: struct utsname is six strings of utsLen bytes
// (include/uapi/linux/utsname.h: __NEW_UTS_LEN + 1).
func uname(buf uintptr) uintptr {
	const utsLen = linux.SizeofUtsname / 6
	b, ok := userBytes(buf, linux.SizeofUtsname, true)
	if !ok {
		return linux.EFAULT.Ret()
	}
	for i := range b {
		b[i] = 0
	}
	for i, s := range [...]string{"Linux", "unigo", "6.1.0-unigo", "#1 SMP unigo", "x86_64", "(none)"} {
		copy(b[i*utsLen:], s)
	}
	return 0
}

func prlimit(res int, newp, oldp uintptr) uintptr {
	if res < 0 || res >= len(limits) {
		return linux.EINVAL.Ret()
	}
	l := &limits[res]
	if l[0] == 0 && l[1] == 0 {
		switch res {
		case linux.RLIMIT_NOFILE:
			*l = [2]uint64{MaxFDs, MaxFDs}
		case linux.RLIMIT_STACK:
			*l = [2]uint64{stackSize, linux.RLIM_INFINITY}
		default:
			*l = [2]uint64{linux.RLIM_INFINITY, linux.RLIM_INFINITY}
		}
	}
	old := *l
	if newp != 0 {
		cur, ok1 := load64(newp)
		max, ok2 := load64(newp + 8)
		if !ok1 || !ok2 {
			return linux.EFAULT.Ret()
		}
		if cur > max || max > old[1] {
			return linux.EPERM.Ret()
		}
		*l = [2]uint64{cur, max}
	}
	if oldp != 0 && (!store64(oldp, old[0]) || !store64(oldp+8, old[1])) {
		return linux.EFAULT.Ret()
	}
	return 0
}

// stackSize is the main thread's stack mapping (the runtime runs m0's g0
// on it and needs 64 KiB; goroutine stacks live in the Go heap).
const stackSize = 1 << 20

// StackSize is stackSize for package kernel.
const StackSize = stackSize

func archPrctl(f *trap.Frame, code int, addr uintptr) uintptr {
	switch code {
	case linux.ARCH_SET_FS:
		f.FS = addr
		trap.This().ThreadFS = addr
		return 0
	case linux.ARCH_GET_FS:
		if !store64(addr, uint64(f.FS)) {
			return linux.EFAULT.Ret()
		}
		return 0
	}
	return linux.EINVAL.Ret()
}

func prctl(option int) uintptr {
	if option == linux.PR_SET_VMA {
		return linux.EINVAL.Ret()
	}
	return 0
}

// The table's handlers (table.go) of the process information calls.

func sysUname(_ *trap.Frame, a [6]uintptr) uintptr { return uname(a[0]) }
func sysPrlimit64(_ *trap.Frame, a [6]uintptr) uintptr {
	return prlimit(int(a[1]), a[2], a[3])
}
func sysGetrlimit(_ *trap.Frame, a [6]uintptr) uintptr { return prlimit(int(a[0]), 0, a[1]) }
func sysPrctl(_ *trap.Frame, a [6]uintptr) uintptr     { return prctl(int(a[0])) }
func sysArchPrctl(f *trap.Frame, a [6]uintptr) uintptr {
	return archPrctl(f, int(a[0]), a[1])
}

// sysSysinfo fills struct sysinfo: uptime, RAM and threads (the one
// process's). Loads are 0 and there is no swap.
func sysSysinfo(_ *trap.Frame, a [6]uintptr) uintptr {
	b, ok := userBytes(a[0], linux.SizeofSysinfo, true)
	if !ok {
		return linux.EFAULT.Ret()
	}
	putSysinfo(b, clock.Nanotime()/1e9, mm.RAM.Total*mm.PageSize, (mm.RAM.Total-mm.RAM.InUse)*mm.PageSize, uint16(sched.Global.Threads))
	return 0
}

// Offsets in struct sysinfo on x86-64 (include/uapi/linux/sysinfo.h):
// longs for uptime, loads[3] and the RAM and swap sizes, a short for
// procs, then totalhigh, freehigh and the 32-bit mem_unit; the trailing
// padding (_f) is empty on 64-bit and the struct is 112 bytes.
const (
	siUptime    = 0
	siLoads     = 8 // [3]unsigned long
	siTotalram  = 32
	siFreeram   = 40
	siSharedram = 48
	siBufferram = 56
	siTotalswap = 64
	siFreeswap  = 72
	siProcs     = 80 // unsigned short
	siTotalhigh = 88
	siFreehigh  = 96
	siMemUnit   = 104 // unsigned int
)

// putSysinfo encodes struct sysinfo into b (linux.SizeofSysinfo bytes):
// sizes in bytes (mem_unit 1); loads, shared, buffer, swap and high
// memory are 0.
func putSysinfo(b []byte, uptime int64, totalram, freeram uint64, procs uint16) {
	clear(b[:linux.SizeofSysinfo])
	put64(b, siUptime, uint64(uptime))
	put64(b, siTotalram, totalram)
	put64(b, siFreeram, freeram)
	b[siProcs], b[siProcs+1] = byte(procs), byte(procs>>8)
	b[siMemUnit] = 1
}
