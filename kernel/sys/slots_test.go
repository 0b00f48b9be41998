package sys

import (
	"testing"

	"unigo/kernel/sched"
	"unigo/kernel/trap"

	"unigo/kernel/abi/linux"

	"unigo/kernel/abi/unigo"
)

// resetHandoff clears the hand-off's tables and the scheduler, with
// thread 1 running and the server marked up.
func resetHandoff() {
	reqs, queue, qhead, qlen = [maxRequests]request{}, [maxRequests]int{}, 0, 0
	server.running, server.waiting, server.slot, server.record = false, false, 0, 0
	restart.pending, restart.waiters, deferred.n = false, 0, 0
	socks = [MaxSockets]sock{}
	resetFiles()
	filesHi = 0
	sched.Global = sched.Scheduler{}
	sched.Global.Init(&trap.Frame{}, &trap.Frame{})
}

// fillRequests takes every request slot, as a burst of posts would.
func fillRequests() {
	for i := range reqs {
		reqs[i] = request{used: true, slot: -1, nr: linux.SYS_SOCKET | unigo.NetCall}
		enqueue(i)
	}
}

// socketFDForTest makes fd a socket on handle h.
func socketFDForTest(t *testing.T, h int) int {
	fd, ok := alloc(kindSocket, 0)
	if !ok {
		t.Fatal("alloc: no fd")
	}
	files[fd].handle = h
	socks[h].used = true
	return fd
}

// A call that finds the request table full waits and is restarted: it is
// not failed with EAGAIN, which Linux never returns from connect for that.
func TestFullRequestTableRestartsTheCall(t *testing.T) {
	resetHandoff()
	defer resetHandoff()
	server.running = true
	fd := socketFDForTest(t, 5)
	fillRequests()

	const rip = 0x401002
	f := trap.Frame{AX: linux.SYS_CONNECT, DI: uintptr(fd), RIP: rip}
	Dispatch(&f)
	cur := sched.Global.Current()
	if cur.State != sched.Blocked || cur.Wait != sched.WaitSlot {
		t.Fatalf("connect with a full table: thread state %d wait %d, want Blocked/WaitSlot", cur.State, cur.Wait)
	}
	if f.AX != linux.SYS_CONNECT || f.RIP != rip-syscallInsnLen {
		t.Fatalf("restarted frame: AX %d RIP %#x, want AX %d RIP %#x (the syscall again)", f.AX, f.RIP, linux.SYS_CONNECT, rip-syscallInsnLen)
	}
	if restart.pending {
		t.Errorf("restart.pending still set after Dispatch")
	}
	sched.Global.Finish(&f, 0) // saves the frame, switches to idle
	slot := 1

	// The server completes request 0: the waiter becomes runnable, about
	// to execute connect again.
	qhead, qlen = 1, qlen-1 // the server took request 0 ...
	reqs[0].used = false    // ... and completed it
	slotFreed()
	if got := sched.Global.T[slot]; got.State != sched.Runnable || got.Frame.AX != linux.SYS_CONNECT || got.Frame.RIP != rip-syscallInsnLen {
		t.Errorf("after a slot freed: state %d AX %d RIP %#x, want Runnable, AX %d, RIP %#x", got.State, got.Frame.AX, got.Frame.RIP, linux.SYS_CONNECT, rip-syscallInsnLen)
	}
	if restart.waiters != 0 {
		t.Errorf("restart.waiters = %d, want 0", restart.waiters)
	}
}

// A socket's close with the table full keeps its handle reserved and is
// queued as soon as a slot frees, before any waiter retries; the handle
// is free once the server takes the close.
func TestFullRequestTableDefersClose(t *testing.T) {
	resetHandoff()
	defer resetHandoff()
	server.running = true
	const h = 7
	fd := socketFDForTest(t, h)
	socks[h].created = true
	fillRequests()

	f := trap.Frame{AX: linux.SYS_CLOSE, DI: uintptr(fd)}
	Dispatch(&f)
	if f.AX != 0 || sched.Global.Current().State != sched.Running {
		t.Fatalf("close with a full table = %#x, thread state %d: want 0 at once, still running", f.AX, sched.Global.Current().State)
	}
	if files[fd].kind != kindFree {
		t.Errorf("fd %d still open after close", fd)
	}
	if !socks[h].used || deferred.n != 1 {
		t.Fatalf("handle %d: used %v, deferred %d; want reserved and one deferred close", h, socks[h].used, deferred.n)
	}
	qhead, qlen = 1, qlen-1
	reqs[0].used = false
	slotFreed()
	if !socks[h].used || deferred.n != 0 {
		t.Fatalf("after a slot freed: handle used %v, deferred %d; want still reserved, none deferred", socks[h].used, deferred.n)
	}
	if r := reqs[0]; !r.used || r.nr != linux.SYS_CLOSE|unigo.NetCall || r.args[0] != h || qlen != maxRequests || queue[(qhead+qlen-1)%maxRequests] != 0 {
		t.Errorf("request 0 = %+v (queued last: %v), want the close of handle %d, queued last", r, queue[(qhead+qlen-1)%maxRequests] == 0, h)
	}
}

// socket(2) takes no request slot: the server is asked to create the
// socket just before its first request, and never hears of a socket
// closed before any request; a closed handle is not reused before the
// server has taken its close.
func TestSocketCreatedBeforeItsFirstRequest(t *testing.T) {
	resetHandoff()
	defer resetHandoff()
	server.running = true
	f := trap.Frame{AX: linux.SYS_SOCKET, DI: linux.AF_INET, SI: linux.SOCK_STREAM}
	Dispatch(&f)
	fd := int(f.AX)
	if int(f.AX) < 0 || qlen != 0 {
		t.Fatalf("socket() = %d with %d requests queued, want an fd and none", int(f.AX), qlen)
	}
	h := files[fd].handle
	connect := [6]uintptr{uintptr(h), 0x1000, 16}
	reqs[0] = request{used: true, slot: 1, nr: linux.SYS_CONNECT | unigo.NetCall, args: connect}
	enqueue(0)

	want := [][unigo.RecordLen]uintptr{
		{createID, linux.SYS_SOCKET | unigo.NetCall, linux.AF_INET, linux.SOCK_STREAM, 0, uintptr(h)},
		{0, linux.SYS_CONNECT | unigo.NetCall, uintptr(h), 0x1000, 16},
	}
	for i, w := range want {
		if got, ok := next(); !ok || got != w {
			t.Fatalf("next() #%d = %v, %v; want %v, true", i, got, ok, w)
		}
	}
	if _, ok := next(); ok {
		t.Fatalf("next() found a third request")
	}
	reqs[0].used = false

	// A socket closed before its first request: the close is dropped.
	f = trap.Frame{AX: linux.SYS_SOCKET, DI: linux.AF_INET, SI: linux.SOCK_DGRAM}
	Dispatch(&f)
	fd2 := int(f.AX)
	h2 := files[fd2].handle
	f = trap.Frame{AX: linux.SYS_CLOSE, DI: uintptr(fd2)}
	Dispatch(&f)
	if !socks[h2].used {
		t.Fatalf("handle %d free before the close was taken", h2)
	}
	if got, ok := next(); ok {
		t.Fatalf("next() = %v, want nothing: the server never made socket %d", got, h2)
	}
	if socks[h2].used || qlen != 0 {
		t.Errorf("after the dropped close: handle used %v, %d queued; want free, none", socks[h2].used, qlen)
	}

	// Closing the created socket: its handle stays reserved until the
	// close is taken, then the server gets the close.
	f = trap.Frame{AX: linux.SYS_CLOSE, DI: uintptr(fd)}
	Dispatch(&f)
	f = trap.Frame{AX: linux.SYS_SOCKET, DI: linux.AF_INET, SI: linux.SOCK_STREAM}
	Dispatch(&f)
	if h3 := files[int(f.AX)].handle; h3 == h {
		t.Fatalf("handle %d reused while its close is queued", h)
	}
	if got, ok := next(); !ok || got[1] != linux.SYS_CLOSE|unigo.NetCall || got[2] != uintptr(h) {
		t.Fatalf("next() = %v, %v; want the close of handle %d", got, ok, h)
	}
	if socks[h].used {
		t.Errorf("handle %d still reserved after its close was taken", h)
	}
}
