package sys

import (
	"unigo/kernel/trap"
)

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
