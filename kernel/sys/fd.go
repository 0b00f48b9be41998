package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/trap"
)

// The file descriptor table and the calls on any fd: read, write, close,
// dup, fcntl, fstat. A served file's or a socket's call is routed to the
// server (files.go, sockets.go); the console, eventfds and interrupt
// lines are answered here.

// MaxFDs bounds the file descriptor table.
const MaxFDs = 4096

// File kinds.
const (
	kindFree uint8 = iota
	kindConsole
	kindEventfd
	kindEpoll
	kindServed // a file of the server goroutine's file system (handle)
	kindSocket // a socket of package net (handle)
	kindIRQ    // an interrupt line (handle = GSI; count = times fired)
)

type file struct {
	kind    uint8
	fdflags uint8
	flags   uint32
	count   uint64 // eventfd counter
	handle  int    // kindServed, kindSocket: the server's handle; kindIRQ: the GSI
	epHead  int32  // kindEpoll: its interests, oldest first (see interest)
	epTail  int32
	fdHead  int32 // the interests watching this fd
}

var files [MaxFDs]file

// filesHi is one past the highest fd ever used: the loops over the table
// (an interrupt's fds, a socket's fds) stop there, so 4096 slots cost only
// what the program uses.
var filesHi int

// used is the part of the table in use so far.
func used() []file { return files[:filesHi] }

// InitFiles opens stdin, stdout and stderr on the console.
func InitFiles() {
	for fd := 0; fd < 3; fd++ {
		files[fd] = file{kind: kindConsole, flags: linux.O_RDWR}
	}
	filesHi = 3
}

func get(fd int) *file {
	if fd < 0 || fd >= MaxFDs || files[fd].kind == kindFree {
		return nil
	}
	return &files[fd]
}

func alloc(kind uint8, flags uint32) (int, bool) {
	for fd := range files {
		if files[fd].kind == kindFree {
			filesHi = max(filesHi, fd+1)
			files[fd] = file{kind: kind, flags: flags & (linux.O_NONBLOCK | linux.O_APPEND | linux.O_ACCMODE)}
			if flags&linux.O_CLOEXEC != 0 {
				files[fd].fdflags = linux.FD_CLOEXEC
			}
			return fd, true
		}
	}
	return 0, false
}

func read(fd int, buf, n uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	switch f.kind {
	case kindServed:
		return toServer(linux.SYS_READ, [6]uintptr{uintptr(fd), buf, n}, arg0, 0, false)
	case kindSocket:
		return toNet(linux.SYS_READ, [6]uintptr{uintptr(fd), buf, n})
	case kindIRQ:
		if f.count == 0 {
			return linux.EAGAIN.Ret()
		}
		if n < 8 || !store64(buf, f.count) {
			return linux.EINVAL.Ret()
		}
		f.count = 0
		return 8
	case kindConsole:
		return 0 // stdin is empty: EOF
	case kindEventfd:
		if n < 8 {
			return linux.EINVAL.Ret()
		}
		if f.count == 0 {
			return linux.EAGAIN.Ret()
		}
		if !store64(buf, f.count) {
			return linux.EFAULT.Ret()
		}
		f.count = 0
		return 8
	}
	return linux.EINVAL.Ret()
}

func write(fd int, buf, n uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	switch f.kind {
	case kindServed:
		return toServer(linux.SYS_WRITE, [6]uintptr{uintptr(fd), buf, n}, arg0, 0, false)
	case kindSocket:
		return toNet(linux.SYS_WRITE, [6]uintptr{uintptr(fd), buf, n})
	case kindConsole:
		b, ok := userBytes(buf, n, false)
		if !ok {
			return linux.EFAULT.Ret()
		}
		Console(fd, b)
		return n
	case kindEventfd:
		if n < 8 {
			return linux.EINVAL.Ret()
		}
		v, ok := load64(buf)
		if !ok {
			return linux.EFAULT.Ret()
		}
		f.count += v
		if v != 0 {
			edge(fd)
		}
		return 8
	}
	return linux.EINVAL.Ret()
}

func writev(fd int, iov, cnt uintptr) uintptr {
	if f := get(fd); f != nil && f.kind == kindSocket {
		return toNet(linux.SYS_WRITEV, [6]uintptr{uintptr(fd), iov, cnt})
	}
	if f := get(fd); f != nil && f.kind == kindServed {
		return firstIov(fd, iov, cnt, write) // one hand-off: a short write is allowed
	}
	var total uintptr
	for i := uintptr(0); i < cnt; i++ {
		base, n, ok := iovecAt(iov, i)
		if !ok {
			return linux.EFAULT.Ret()
		}
		r := write(fd, base, n)
		if int(r) < 0 {
			return r
		}
		total += r
	}
	return total
}

func pread(fd int, buf, n, off uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	if f.kind == kindServed {
		return toServer(linux.SYS_PREAD64, [6]uintptr{uintptr(fd), buf, n, off}, arg0, 0, false)
	}
	return linux.ESPIPE.Ret()
}

func closeFD(fd int) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	if f.kind == kindSocket && !sharedHandle(fd) {
		h := f.handle
		dropInterests(fd)
		*f = file{}
		return closeSocket(h)
	}
	if f.kind == kindServed && !sharedHandle(fd) {
		h := f.handle
		*f = file{}
		// The fd is free at once; the server releases its handle, and
		// the caller waits for that (an error is ignored, as Linux does).
		return handoff(linux.SYS_CLOSE, [6]uintptr{uintptr(h)})
	}
	dropInterests(fd)
	*f = file{}
	return 0
}

func fstat(fd int, buf uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	if f.kind == kindServed {
		return toServer(linux.SYS_FSTAT, [6]uintptr{uintptr(fd), buf}, arg0, 0, false)
	}
	b, ok := userBytes(buf, linux.SizeofStat, true)
	if !ok {
		return linux.EFAULT.Ret()
	}
	for i := range b {
		b[i] = 0
	}
	mode := uint32(0o600)
	switch f.kind {
	case kindConsole:
		mode = linux.S_IFCHR | 0o620
	case kindSocket:
		mode = linux.S_IFSOCK | 0o777
	}
	b[16] = 1 // st_nlink
	b[24], b[25], b[26], b[27] = byte(mode), byte(mode>>8), byte(mode>>16), byte(mode>>24)
	b[56], b[57] = 0, 0x10 // st_blksize 4096
	return 0
}

func fcntl(fd, cmd int, arg uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	switch cmd {
	case linux.F_GETFD:
		return uintptr(f.fdflags)
	case linux.F_SETFD:
		f.fdflags = uint8(arg & linux.FD_CLOEXEC)
		return 0
	case linux.F_GETFL:
		if f.kind == kindServed {
			return uintptr(f.flags)
		}
		return uintptr(f.flags | linux.O_RDWR)
	case linux.F_SETFL:
		f.flags = f.flags&^linux.O_NONBLOCK | uint32(arg)&linux.O_NONBLOCK
		return 0
	case linux.F_DUPFD, linux.F_DUPFD_CLOEXEC:
		for n := int(arg); n < MaxFDs; n++ {
			if get(n) == nil {
				flags := uint32(0)
				if cmd == linux.F_DUPFD_CLOEXEC {
					flags = linux.O_CLOEXEC
				}
				return dup(fd, n, flags)
			}
		}
		return linux.EMFILE.Ret()
	}
	return linux.EINVAL.Ret()
}

func readv(fd int, iov, cnt uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return linux.EBADF.Ret()
	}
	if f.kind == kindSocket {
		return toNet(linux.SYS_READV, [6]uintptr{uintptr(fd), iov, cnt})
	}
	if f.kind == kindServed {
		return firstIov(fd, iov, cnt, read) // one hand-off: a short read is allowed
	}
	var total uintptr
	for i := uintptr(0); i < cnt; i++ {
		base, n, ok := iovecAt(iov, i)
		if !ok {
			return linux.EFAULT.Ret()
		}
		r := read(fd, base, n)
		if int(r) < 0 {
			if total > 0 {
				return total
			}
			return r
		}
		total += r
		if r < n {
			break
		}
	}
	return total
}

// firstIov runs op on the first non-empty iovec only: a call handed off
// to the server must be one request.
func firstIov(fd int, iov, cnt uintptr, op func(fd int, buf, n uintptr) uintptr) uintptr {
	for i := uintptr(0); i < cnt; i++ {
		base, n, ok := iovecAt(iov, i)
		if !ok {
			return linux.EFAULT.Ret()
		}
		if n != 0 {
			return op(fd, base, n)
		}
	}
	return 0
}

// iovecAt reads struct iovec i (base, length) of the array at iov.
func iovecAt(iov, i uintptr) (base, n uintptr, ok bool) {
	b, ok1 := load64(iov + 16*i)
	l, ok2 := load64(iov + 16*i + 8)
	return uintptr(b), uintptr(l), ok1 && ok2
}

// dup copies fd to the lowest free fd (newfd < 0) or to newfd.
func dup(fd, newfd int, flags uint32) uintptr {
	f := get(fd)
	if f == nil || f.kind != kindConsole && f.kind != kindServed && f.kind != kindSocket {
		return linux.EBADF.Ret()
	}
	if newfd >= MaxFDs {
		return linux.EBADF.Ret()
	}
	if newfd < 0 {
		n, ok := alloc(f.kind, 0)
		if !ok {
			return linux.EMFILE.Ret()
		}
		newfd = n
	} else if get(newfd) != nil {
		if r := closeFD(newfd); int(r) < 0 {
			return r
		}
	}
	files[newfd] = *f
	filesHi = max(filesHi, newfd+1)
	files[newfd].fdflags = 0
	files[newfd].epHead, files[newfd].epTail, files[newfd].fdHead = 0, 0, 0 // the new fd is in no epoll instance
	if flags&linux.O_CLOEXEC != 0 {
		files[newfd].fdflags = linux.FD_CLOEXEC
	}
	return uintptr(newfd)
}

// sharedHandle reports whether another fd refers to fd's server handle.
func sharedHandle(fd int) bool {
	h, k := files[fd].handle, files[fd].kind
	for i := range used() {
		if i != fd && files[i].kind == k && files[i].handle == h {
			return true
		}
	}
	return false
}

// The table's handlers (table.go) of the fd calls.

func sysRead(_ *trap.Frame, a [6]uintptr) uintptr   { return read(int(a[0]), a[1], a[2]) }
func sysWrite(_ *trap.Frame, a [6]uintptr) uintptr  { return write(int(a[0]), a[1], a[2]) }
func sysReadv(_ *trap.Frame, a [6]uintptr) uintptr  { return readv(int(a[0]), a[1], a[2]) }
func sysWritev(_ *trap.Frame, a [6]uintptr) uintptr { return writev(int(a[0]), a[1], a[2]) }
func sysPread64(_ *trap.Frame, a [6]uintptr) uintptr {
	return pread(int(a[0]), a[1], a[2], a[3])
}
func sysClose(_ *trap.Frame, a [6]uintptr) uintptr { return closeFD(int(a[0])) }
func sysFstat(_ *trap.Frame, a [6]uintptr) uintptr { return fstat(int(a[0]), a[1]) }
func sysFcntl(_ *trap.Frame, a [6]uintptr) uintptr { return fcntl(int(a[0]), int(a[1]), a[2]) }
func sysIoctl(*trap.Frame, [6]uintptr) uintptr     { return linux.ENOTTY.Ret() }

func sysDup(_ *trap.Frame, a [6]uintptr) uintptr { return dup(int(int32(a[0])), -1, 0) }

// sysDup2 of an fd onto itself checks it and does nothing.
func sysDup2(_ *trap.Frame, a [6]uintptr) uintptr {
	if a[0] == a[1] {
		if get(int(int32(a[0]))) == nil {
			return linux.EBADF.Ret()
		}
		return a[1]
	}
	return dup(int(int32(a[0])), int(int32(a[1])), 0)
}

// sysDup3 of an fd onto itself is EINVAL, unlike dup2.
func sysDup3(_ *trap.Frame, a [6]uintptr) uintptr {
	if a[0] == a[1] {
		return linux.EINVAL.Ret()
	}
	return dup(int(int32(a[0])), int(int32(a[1])), uint32(a[2]))
}
