// Package linux holds the Linux x86-64 ABI as unigo's kernel speaks it:
// syscall numbers, errno values, signal numbers, flags and struct sizes.
// It is constants only, with no code that runs and no pointers, so any
// package (trap context included) may import it, and it is the only
// place a Linux number is defined. zlinux_amd64.go is generated from
// golang.org/x/sys/unix (tools/genabi); the files beside it add what
// x/sys does not export, each citing the Linux header it comes from.
package linux

//go:generate sh -c "go run unigo/tools/genabi > zlinux_amd64.go"

// Errno is a Linux error number. A system call returns -errno in RAX;
// Ret is the one way the kernel encodes it.
type Errno int

// Ret is the syscall return value that reports e: -e as a machine word.
func (e Errno) Ret() uintptr { return uintptr(-int(e)) }

// Name is e's Linux name ("ENOENT"), or "E?" for a number Linux lacks.
func (e Errno) Name() string {
	if e > 0 && int(e) < len(errnoNames) && errnoNames[e] != "" {
		return errnoNames[e]
	}
	return "E?"
}

// String is e's name, or "OK" for 0: test failures read "= ENOENT, want OK".
func (e Errno) String() string {
	if e == 0 {
		return "OK"
	}
	return e.Name()
}

// Result encodes a call that returns n on success or fails with e.
func Result(n int, e Errno) uintptr {
	if e != 0 {
		return e.Ret()
	}
	return uintptr(n)
}

// IsError reports whether a syscall return value is -errno: Linux
// reserves the last page of values, -4095..-1, for errors.
func IsError(r uintptr) bool { return r > ^uintptr(4095) }

// Signal is a Linux signal number.
type Signal int

// SyscallName is a syscall number's Linux name ("openat"), or "unknown".
func SyscallName(nr uintptr) string {
	if nr < uintptr(len(syscallNames)) && syscallNames[nr] != "" {
		return syscallNames[nr]
	}
	return "unknown"
}

// MaxSyscall bounds the x86-64 syscall numbers (the highest is below it).
const MaxSyscall = len(syscallNames)
