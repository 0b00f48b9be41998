package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// epoll and eventfd: the readiness the Go runtime's netpoller waits on,
// for eventfds, sockets (their readiness comes from package net through
// SysNotify) and interrupt lines.

// maxInterests bounds the (epoll, fd) pairs of all epoll instances
// together: Go's netpoller puts every socket in its one instance.
const maxInterests = MaxFDs

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

func eventfd(initval uint64, flags int) uintptr {
	fd, ok := alloc(kindEventfd, uint32(flags))
	if !ok {
		return linux.EMFILE.Ret()
	}
	files[fd].count = initval
	return uintptr(fd)
}

func epollCreate() uintptr {
	fd, ok := alloc(kindEpoll, linux.O_CLOEXEC)
	if !ok {
		return linux.EMFILE.Ret()
	}
	return uintptr(fd)
}

func epollCtl(epfd, op, fd int, ev uintptr) uintptr {
	e, t := get(epfd), get(fd)
	if e == nil || t == nil {
		return linux.EBADF.Ret()
	}
	if e.kind != kindEpoll || epfd == fd {
		return linux.EINVAL.Ret()
	}
	if t.kind != kindEventfd && t.kind != kindSocket && t.kind != kindIRQ {
		return linux.EPERM.Ret() // as Linux answers for regular files: Go then does blocking I/O
	}
	idx := findInterest(epfd, fd)
	var events uint32
	var data uint64
	if op != linux.EPOLL_CTL_DEL {
		b, ok := userBytes(ev, linux.SizeofEpollEvent, false)
		if !ok {
			return linux.EFAULT.Ret()
		}
		events = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		data = le64(b[4:])
	}
	switch op {
	case linux.EPOLL_CTL_ADD:
		if idx != 0 {
			return linux.EEXIST.Ret()
		}
		if !addInterest(epfd, fd, events, data) {
			return linux.ENOSPC.Ret() // Linux's max_user_watches reached
		}
	case linux.EPOLL_CTL_MOD:
		if idx == 0 {
			return linux.ENOENT.Ret()
		}
		in := interestAt(idx)
		in.events, in.data, in.pending = events, data, true
	case linux.EPOLL_CTL_DEL:
		if idx == 0 {
			return linux.ENOENT.Ret()
		}
		removeInterest(idx)
	default:
		return linux.EINVAL.Ret()
	}
	pollWake()
	return 0
}

// readiness of fd for an interest's events.
func readiness(fd int32) uint32 {
	f := &files[fd]
	switch f.kind {
	case kindEventfd:
		r := uint32(linux.EPOLLOUT)
		if f.count > 0 {
			r |= linux.EPOLLIN
		}
		return r
	case kindIRQ:
		if f.count > 0 {
			return linux.EPOLLIN
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
		r := readiness(in.fd) & (in.events | linux.EPOLLERR | linux.EPOLLHUP) // always reported, as on Linux
		if r == 0 || in.events&linux.EPOLLET != 0 && !in.pending {
			continue
		}
		b, ok := userBytes(buf+uintptr(n)*linux.SizeofEpollEvent, linux.SizeofEpollEvent, true)
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

// pollWait is what a thread blocked in epoll_wait waits on, by thread
// slot: the scheduler knows only that it waits (sched.WaitPoll) and until
// when; what it waits for is this package's.
type pollWait struct {
	epfd int     // the epoll instance
	buf  uintptr // the caller's events buffer
	max  int     // maxevents
}

var pollWaits [sched.MaxThreads]pollWait

// pollWake completes the epoll waits that now have events.
func pollWake() {
	for i := 1; i < sched.Global.Hi; i++ {
		t := &sched.Global.T[i]
		if t.State != sched.Blocked || t.Wait != sched.WaitPoll {
			continue
		}
		w := &pollWaits[i]
		if n, _ := collect(w.epfd, w.buf, w.max); n > 0 {
			sched.Global.Wake(i, uintptr(n))
		}
	}
}

func epollWait(epfd int, buf uintptr, max, timeoutMS int) uintptr {
	e := get(epfd)
	if e == nil {
		return linux.EBADF.Ret()
	}
	if e.kind != kindEpoll || max <= 0 {
		return linux.EINVAL.Ret()
	}
	n, ok := collect(epfd, buf, max)
	if !ok {
		return linux.EFAULT.Ret()
	}
	if n > 0 || timeoutMS == 0 {
		return uintptr(n)
	}
	var deadline int64
	if timeoutMS > 0 {
		deadline = nonzero(nowNS() + int64(timeoutMS)*1e6)
	}
	pollWaits[sched.Global.CurrentIndex()] = pollWait{epfd, buf, max}
	sched.Global.Block(sched.WaitPoll, deadline)
	return 0
}

// The table's handlers (table.go) of the epoll and eventfd calls.

func sysEpollCreate(*trap.Frame, [6]uintptr) uintptr { return epollCreate() }
func sysEpollCtl(_ *trap.Frame, a [6]uintptr) uintptr {
	return epollCtl(int(a[0]), int(a[1]), int(a[2]), a[3])
}
func sysEpollWait(_ *trap.Frame, a [6]uintptr) uintptr {
	return epollWait(int(a[0]), a[1], int(a[2]), int(int32(a[3])))
}
func sysEventfd2(_ *trap.Frame, a [6]uintptr) uintptr { return eventfd(uint64(a[0]), int(a[1])) }
