package sys

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

// Open flags (include/uapi/asm-generic/fcntl.h).
const (
	oRDWR     = 2
	oNONBLOCK = 0x800
	oCLOEXEC  = 0x80000
	oAPPEND   = 0x400
	oACCMODE  = 3
	fdCloexec = 1
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
		files[fd] = file{kind: kindConsole, flags: oRDWR}
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
			files[fd] = file{kind: kind, flags: flags & (oNONBLOCK | oAPPEND | oACCMODE)}
			if flags&oCLOEXEC != 0 {
				files[fd].fdflags = fdCloexec
			}
			return fd, true
		}
	}
	return 0, false
}

func read(fd int, buf, n uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
	}
	switch f.kind {
	case kindServed:
		return servedFD(sysRead, [6]uintptr{uintptr(fd), buf, n}, 0)
	case kindSocket:
		return socketFD(sysRead, [6]uintptr{uintptr(fd), buf, n})
	case kindIRQ:
		if f.count == 0 {
			return errno(EAGAIN)
		}
		if n < 8 || !store64(buf, f.count) {
			return errno(EINVAL)
		}
		f.count = 0
		return 8
	case kindConsole:
		return 0 // stdin is empty: EOF
	case kindEventfd:
		if n < 8 {
			return errno(EINVAL)
		}
		if f.count == 0 {
			return errno(EAGAIN)
		}
		if !store64(buf, f.count) {
			return errno(EFAULT)
		}
		f.count = 0
		return 8
	}
	return errno(EINVAL)
}

func write(fd int, buf, n uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
	}
	switch f.kind {
	case kindServed:
		return servedFD(sysWrite, [6]uintptr{uintptr(fd), buf, n}, 0)
	case kindSocket:
		return socketFD(sysWrite, [6]uintptr{uintptr(fd), buf, n})
	case kindConsole:
		b, ok := userBytes(buf, n, false)
		if !ok {
			return errno(EFAULT)
		}
		Console(fd, b)
		return n
	case kindEventfd:
		if n < 8 {
			return errno(EINVAL)
		}
		v, ok := load64(buf)
		if !ok {
			return errno(EFAULT)
		}
		f.count += v
		if v != 0 {
			edge(fd)
		}
		return 8
	}
	return errno(EINVAL)
}

func writev(fd int, iov, cnt uintptr) uintptr {
	if f := get(fd); f != nil && f.kind == kindSocket {
		return socketFD(sysWritev, [6]uintptr{uintptr(fd), iov, cnt})
	}
	if f := get(fd); f != nil && f.kind == kindServed {
		return firstIov(fd, iov, cnt, write) // one hand-off: a short write is allowed
	}
	var total uintptr
	for i := uintptr(0); i < cnt; i++ {
		base, n, ok := iovecAt(iov, i)
		if !ok {
			return errno(EFAULT)
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
		return errno(EBADF)
	}
	if f.kind == kindServed {
		return servedFD(sysPread64, [6]uintptr{uintptr(fd), buf, n, off}, 0)
	}
	return errno(ESPIPE)
}

func closeFD(fd int) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
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
		return handoff(sysClose, [6]uintptr{uintptr(h)})
	}
	dropInterests(fd)
	*f = file{}
	return 0
}

// Mode bits (include/uapi/linux/stat.h).
const (
	sIFCHR  = 0o020000
	statLen = 144 // struct stat on x86-64
)

func fstat(fd int, buf uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
	}
	if f.kind == kindServed {
		return servedFD(sysFstat, [6]uintptr{uintptr(fd), buf}, 0)
	}
	b, ok := userBytes(buf, statLen, true)
	if !ok {
		return errno(EFAULT)
	}
	for i := range b {
		b[i] = 0
	}
	mode := uint32(0o600)
	switch f.kind {
	case kindConsole:
		mode = sIFCHR | 0o620
	case kindSocket:
		mode = 0o140000 | 0o777 // S_IFSOCK
	}
	b[16] = 1 // st_nlink
	b[24], b[25], b[26], b[27] = byte(mode), byte(mode>>8), byte(mode>>16), byte(mode>>24)
	b[56], b[57] = 0, 0x10 // st_blksize 4096
	return 0
}

const atEmptyPath = 0x1000

// fcntl commands (include/uapi/asm-generic/fcntl.h).
const (
	fGetFD = 1
	fSetFD = 2
	fGetFL = 3
	fSetFL = 4
)

func fcntl(fd, cmd int, arg uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
	}
	switch cmd {
	case fGetFD:
		return uintptr(f.fdflags)
	case fSetFD:
		f.fdflags = uint8(arg & fdCloexec)
		return 0
	case fGetFL:
		if f.kind == kindServed {
			return uintptr(f.flags)
		}
		return uintptr(f.flags | oRDWR)
	case fSetFL:
		f.flags = f.flags&^oNONBLOCK | uint32(arg)&oNONBLOCK
		return 0
	case fDupfd, fDupfdCloexec:
		for n := int(arg); n < MaxFDs; n++ {
			if get(n) == nil {
				flags := uint32(0)
				if cmd == fDupfdCloexec {
					flags = oCLOEXEC
				}
				return dup(fd, n, flags)
			}
		}
		return errno(EMFILE)
	}
	return errno(EINVAL)
}

func readv(fd int, iov, cnt uintptr) uintptr {
	f := get(fd)
	if f == nil {
		return errno(EBADF)
	}
	if f.kind == kindSocket {
		return socketFD(sysReadv, [6]uintptr{uintptr(fd), iov, cnt})
	}
	if f.kind == kindServed {
		return firstIov(fd, iov, cnt, read) // one hand-off: a short read is allowed
	}
	var total uintptr
	for i := uintptr(0); i < cnt; i++ {
		base, n, ok := iovecAt(iov, i)
		if !ok {
			return errno(EFAULT)
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
			return errno(EFAULT)
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
		return errno(EBADF)
	}
	if newfd >= MaxFDs {
		return errno(EBADF)
	}
	if newfd < 0 {
		n, ok := alloc(f.kind, 0)
		if !ok {
			return errno(EMFILE)
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
	if flags&oCLOEXEC != 0 {
		files[newfd].fdflags = fdCloexec
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
