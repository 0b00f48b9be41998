package sys

// File system calls: trap context routes them to the server goroutine
// (handoff.go), translating file descriptors into the server's handles.

// More syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysPwrite64   = 18
	sysLseek      = 8
	sysDup        = 32
	sysDup2       = 33
	sysFsync      = 74
	sysFdatasync  = 75
	sysFtruncate  = 77
	sysChdir      = 80
	sysFchdir     = 81
	sysGetdents64 = 217
	sysMkdirat    = 258
	sysUnlinkat   = 263
	sysRenameat   = 264
	sysSymlinkat  = 266
	sysFaccessat  = 269
	sysDup3       = 292
	sysRenameat2  = 316
	sysFaccessat2 = 439
	sysPipe2      = 293

	atFdcwd       = -100
	fDupfd        = 0
	fDupfdCloexec = 1030
)

// handleOf returns the server handle behind a served fd.
func handleOf(fd int) (int, uintptr) {
	f := get(fd)
	switch {
	case f == nil:
		return 0, errno(EBADF)
	case f.kind != kindServed:
		return 0, errno(EINVAL)
	}
	return f.handle, 0
}

// servedFD hands off a call whose argument i is a served file descriptor.
func servedFD(nr uintptr, args [6]uintptr, i int) uintptr {
	h, e := handleOf(int(int32(args[i])))
	if e != 0 {
		return e
	}
	args[i] = uintptr(h)
	return handoff(nr, args)
}

// atCall hands off a *at call whose arguments dirs are directory fds.
func atCall(nr uintptr, args [6]uintptr, dirs ...int) uintptr {
	if !Serving() {
		return errno(ENOENT) // before the file server starts (the runtime's own probes)
	}
	for _, i := range dirs {
		fd := int(int32(args[i]))
		if fd == atFdcwd {
			continue
		}
		f := get(fd)
		if f == nil {
			return errno(EBADF)
		}
		if f.kind != kindServed {
			return errno(20) // ENOTDIR
		}
		args[i] = uintptr(f.handle)
	}
	return handoff(nr, args)
}

// fileCall routes the file-system calls; ok is false for other calls.
func fileCall(nr uintptr, a [6]uintptr) (r uintptr, ok bool) {
	switch nr {
	case sysOpenat, sysNewfstatat, sysMkdirat, sysUnlinkat, sysReadlinkat, sysFaccessat, sysFaccessat2:
		if nr == sysNewfstatat && a[3]&atEmptyPath != 0 {
			if f := get(int(int32(a[0]))); f != nil && f.kind != kindServed {
				return fstat(int(int32(a[0])), a[2]), true
			}
		}
		return atCall(nr, a, 0), true
	case sysRenameat, sysRenameat2:
		if nr == sysRenameat2 && a[4] != 0 {
			return errno(EINVAL), true // RENAME_NOREPLACE and friends: not yet
		}
		return atCall(sysRenameat, a, 0, 2), true
	case sysSymlinkat:
		return atCall(nr, a, 1), true
	case sysChdir:
		return atCall(nr, a), true
	case sysGetcwd:
		if !Serving() {
			return getcwd(a[0], a[1]), true
		}
		return handoff(nr, a), true
	case sysLseek, sysGetdents64, sysFchdir, sysFtruncate, sysPwrite64:
		return servedFD(nr, a, 0), true
	case sysFsync, sysFdatasync:
		if _, e := handleOf(int(int32(a[0]))); e != 0 && get(int(int32(a[0]))) == nil {
			return e, true
		}
		return 0, true
	case sysDup:
		return dup(int(int32(a[0])), -1, 0), true
	case sysDup2:
		if a[0] == a[1] {
			if get(int(int32(a[0]))) == nil {
				return errno(EBADF), true
			}
			return a[1], true
		}
		return dup(int(int32(a[0])), int(int32(a[1])), 0), true
	case sysDup3:
		if a[0] == a[1] {
			return errno(EINVAL), true
		}
		return dup(int(int32(a[0])), int(int32(a[1])), uint32(a[2])), true
	}
	return 0, false
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
