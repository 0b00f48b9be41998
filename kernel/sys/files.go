package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/trap"
)

// File system calls: trap context routes them to the server goroutine
// (handoff.go), translating file descriptors into the server's handles.
// Most rows of the table need nothing else (route); the handlers here
// are the calls with a case of their own.

// route hands off a call whose row has no trap-side handler, to where
// the row says, translating the fds the row marks.
func route(nr uintptr, r *row, a [6]uintptr) uintptr {
	if r.where&Network != 0 {
		return toNet(nr, a)
	}
	return toServer(nr, a, r.fds, r.dirs, r.path)
}

// toServer hands off file system call nr. The arguments marked in fds
// must be served files, those in dirs directories (or AT_FDCWD); they
// become the server's handles. A call with a path gets ENOENT before the
// file server starts (the runtime's own probes).
func toServer(nr uintptr, a [6]uintptr, fds, dirs argMask, path bool) uintptr {
	if path && !Serving() {
		return linux.ENOENT.Ret()
	}
	for i := range a {
		bit := argMask(1) << i
		fd := int(int32(a[i]))
		switch {
		case fds&bit != 0:
			h, e := handleOf(fd)
			if e != 0 {
				return e.Ret()
			}
			a[i] = uintptr(h)
		case dirs&bit != 0 && fd != linux.AT_FDCWD:
			f := get(fd)
			if f == nil {
				return linux.EBADF.Ret()
			}
			if f.kind != kindServed {
				return linux.ENOTDIR.Ret()
			}
			a[i] = uintptr(f.handle)
		}
	}
	return handoff(nr, a)
}

// handleOf returns the server handle behind a served fd.
func handleOf(fd int) (int, linux.Errno) {
	f := get(fd)
	switch {
	case f == nil:
		return 0, linux.EBADF
	case f.kind != kindServed:
		return 0, linux.EINVAL
	}
	return f.handle, 0
}

// sysNewfstatat answers fstatat(fd, "", AT_EMPTY_PATH) on a kernel fd
// (console, socket...) itself, as fstat; the rest goes to the server.
func sysNewfstatat(_ *trap.Frame, a [6]uintptr) uintptr {
	if a[3]&linux.AT_EMPTY_PATH != 0 {
		if f := get(int(int32(a[0]))); f != nil && f.kind != kindServed {
			return fstat(int(int32(a[0])), a[2])
		}
	}
	return toServer(linux.SYS_NEWFSTATAT, a, 0, arg0, true)
}

// sysRenameat2 is renameat when flags (a[4]) is 0.
func sysRenameat2(_ *trap.Frame, a [6]uintptr) uintptr {
	if a[4] != 0 {
		return linux.EINVAL.Ret() // RENAME_NOREPLACE and friends: not yet
	}
	return toServer(linux.SYS_RENAMEAT2, a, 0, arg0|arg2, true)
}

// sysGetcwd answers "/" until the server, which keeps the working
// directory, runs.
func sysGetcwd(_ *trap.Frame, a [6]uintptr) uintptr {
	if !Serving() {
		return getcwd(a[0], a[1])
	}
	return handoff(linux.SYS_GETCWD, a)
}

func getcwd(buf, size uintptr) uintptr {
	if size < 2 {
		return linux.ERANGE.Ret()
	}
	b, ok := userBytes(buf, 2, true)
	if !ok {
		return linux.EFAULT.Ret()
	}
	b[0], b[1] = '/', 0
	return 2
}

// sysFsync checks the fd: files live in memory, there is nothing to sync.
func sysFsync(_ *trap.Frame, a [6]uintptr) uintptr {
	if get(int(int32(a[0]))) == nil {
		return linux.EBADF.Ret()
	}
	return 0
}
