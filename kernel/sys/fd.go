package sys

import "unigo/kernel/sched"

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

// epoll constants (include/uapi/linux/eventpoll.h).
const (
	epollIn     = 0x1
	epollOut    = 0x4
	epollET     = 1 << 31
	epollCtlAdd = 1
	epollCtlDel = 2
	epollCtlMod = 3
	epollEvSize = 12 // struct epoll_event is packed on x86-64
	// maxInterests bounds the (epoll, fd) pairs of all epoll instances
	// together: Go's netpoller puts every socket in its one instance.
	maxInterests = MaxFDs
)

// An interest is one fd watched by one epoll instance. Interests live in
// one pool (no allocation in trap context) and are linked twice: into
// their epoll instance's list (doubly, so a close unlinks in O(1)) and
// into the list of the fd they watch (singly; rarely more than one).
// Links are pool index + 1, so that 0 (a zero file) means an empty list.
type interest struct {
	epfd, fd       int32
	events         uint32
	data           uint64
	pending        bool // edge-triggered: a new edge not yet reported
	prevEp, nextEp int32
	nextFd         int32
}

var (
	interests    [maxInterests]interest
	freeInterest int32 // head of the free slots, linked through nextFd
	interestsUp  bool
)

func interestAt(i int32) *interest { return &interests[i-1] }

// newInterest takes a free slot, or returns 0 when the pool is empty.
func newInterest() int32 {
	if !interestsUp {
		for i := int32(maxInterests); i >= 1; i-- {
			interestAt(i).nextFd = freeInterest
			freeInterest = i
		}
		interestsUp = true
	}
	i := freeInterest
	if i != 0 {
		freeInterest = interestAt(i).nextFd
	}
	return i
}

// addInterest links a new interest of epfd in fd.
func addInterest(epfd, fd int, events uint32, data uint64) bool {
	i := newInterest()
	if i == 0 {
		return false
	}
	e, t := &files[epfd], &files[fd]
	// Appended: epoll_wait reports ready fds in the order they were added,
	// as Linux's ready list does for fds that became ready together.
	*interestAt(i) = interest{epfd: int32(epfd), fd: int32(fd), events: events, data: data, pending: true,
		prevEp: e.epTail, nextFd: t.fdHead}
	if e.epTail != 0 {
		interestAt(e.epTail).nextEp = i
	} else {
		e.epHead = i
	}
	e.epTail, t.fdHead = i, i
	return true
}

// findInterest returns epfd's interest in fd, or 0.
func findInterest(epfd, fd int) int32 {
	for i := files[fd].fdHead; i != 0; i = interestAt(i).nextFd {
		if interestAt(i).epfd == int32(epfd) {
			return i
		}
	}
	return 0
}

// removeInterest unlinks interest i from both lists and frees it.
func removeInterest(i int32) {
	in := interestAt(i)
	e, t := &files[in.epfd], &files[in.fd]
	if in.prevEp != 0 {
		interestAt(in.prevEp).nextEp = in.nextEp
	} else {
		e.epHead = in.nextEp
	}
	if in.nextEp != 0 {
		interestAt(in.nextEp).prevEp = in.prevEp
	} else {
		e.epTail = in.prevEp
	}
	if t.fdHead == i {
		t.fdHead = in.nextFd
	} else {
		for j := t.fdHead; j != 0; j = interestAt(j).nextFd {
			if interestAt(j).nextFd == i {
				interestAt(j).nextFd = in.nextFd
				break
			}
		}
	}
	*in = interest{nextFd: freeInterest}
	freeInterest = i
}

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

// dropInterests removes a closed fd from every epoll instance and, when
// it is an epoll instance, drops everything it watched. Call it before
// the file is cleared.
func dropInterests(fd int) {
	for files[fd].fdHead != 0 {
		removeInterest(files[fd].fdHead)
	}
	if files[fd].kind == kindEpoll {
		for files[fd].epHead != 0 {
			removeInterest(files[fd].epHead)
		}
	}
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

func eventfd(initval uint64, flags int) uintptr {
	fd, ok := alloc(kindEventfd, uint32(flags))
	if !ok {
		return errno(EMFILE)
	}
	files[fd].count = initval
	return uintptr(fd)
}

func epollCreate() uintptr {
	fd, ok := alloc(kindEpoll, oCLOEXEC)
	if !ok {
		return errno(EMFILE)
	}
	return uintptr(fd)
}

func epollCtl(epfd, op, fd int, ev uintptr) uintptr {
	e, t := get(epfd), get(fd)
	if e == nil || t == nil {
		return errno(EBADF)
	}
	if e.kind != kindEpoll || epfd == fd {
		return errno(EINVAL)
	}
	if t.kind != kindEventfd && t.kind != kindSocket && t.kind != kindIRQ {
		return errno(EPERM) // as Linux answers for regular files: Go then does blocking I/O
	}
	idx := findInterest(epfd, fd)
	var events uint32
	var data uint64
	if op != epollCtlDel {
		b, ok := userBytes(ev, epollEvSize, false)
		if !ok {
			return errno(EFAULT)
		}
		events = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		data = le64(b[4:])
	}
	switch op {
	case epollCtlAdd:
		if idx != 0 {
			return errno(EEXIST)
		}
		if !addInterest(epfd, fd, events, data) {
			return errno(28) // ENOSPC: Linux's max_user_watches reached
		}
	case epollCtlMod:
		if idx == 0 {
			return errno(ENOENT)
		}
		in := interestAt(idx)
		in.events, in.data, in.pending = events, data, true
	case epollCtlDel:
		if idx == 0 {
			return errno(ENOENT)
		}
		removeInterest(idx)
	default:
		return errno(EINVAL)
	}
	pollWake()
	return 0
}

// readiness of fd for an interest's events.
func readiness(fd int32) uint32 {
	f := &files[fd]
	switch f.kind {
	case kindEventfd:
		r := uint32(epollOut)
		if f.count > 0 {
			r |= epollIn
		}
		return r
	case kindIRQ:
		if f.count > 0 {
			return epollIn
		}
	case kindSocket:
		return socks[f.handle].ready
	}
	return 0
}

// collect writes up to max ready events of epoll instance epfd to buf.
func collect(epfd int, buf uintptr, max int) (int, bool) {
	n := 0
	for i := files[epfd].epHead; i != 0 && n < max; i = interestAt(i).nextEp {
		in := interestAt(i)
		r := readiness(in.fd) & (in.events | 0x18) // EPOLLERR|EPOLLHUP always count
		if r == 0 || in.events&epollET != 0 && !in.pending {
			continue
		}
		b, ok := userBytes(buf+uintptr(n)*epollEvSize, epollEvSize, true)
		if !ok {
			return n, false
		}
		b[0], b[1], b[2], b[3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
		for k := 0; k < 8; k++ {
			b[4+k] = byte(in.data >> (8 * k))
		}
		in.pending = false
		n++
	}
	return n, true
}

// edge marks a readiness change of fd for edge-triggered interests and
// wakes pollers that now have events.
func edge(fd int) {
	for i := files[fd].fdHead; i != 0; i = interestAt(i).nextFd {
		interestAt(i).pending = true
	}
	pollWake()
}

// pollWake completes the epoll waits that now have events.
func pollWake() {
	for i := 1; i < Sched.Hi; i++ {
		t := &Sched.T[i]
		if t.State != sched.Blocked || t.Wait != sched.WaitPoll {
			continue
		}
		if n, _ := collect(t.Obj, t.Buf, t.Max); n > 0 {
			Sched.Wake(i, uintptr(n))
		}
	}
}

func epollWait(epfd int, buf uintptr, max, timeoutMS int) uintptr {
	e := get(epfd)
	if e == nil {
		return errno(EBADF)
	}
	if e.kind != kindEpoll || max <= 0 {
		return errno(EINVAL)
	}
	n, ok := collect(epfd, buf, max)
	if !ok {
		return errno(EFAULT)
	}
	if n > 0 || timeoutMS == 0 {
		return uintptr(n)
	}
	var deadline int64
	if timeoutMS > 0 {
		deadline = nonzero(nowNS() + int64(timeoutMS)*1e6)
	}
	t := Sched.Block(sched.WaitPoll, deadline)
	t.Obj, t.Buf, t.Max = epfd, buf, max
	return 0
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
