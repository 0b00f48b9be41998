package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// The hand-off: system calls that need full Go (the file system, and
// sockets over gVisor's netstack) cannot run in trap context. The kernel
// parks the calling thread and passes the call to the kernel's server
// goroutine (kernel/server/serve.go), which is locked to its own thread
// and waits in SysServe. The queue is generic: what a family must do as
// its requests reach the server (the sockets' deferred creation) is the
// family's (prepare, sockets.go). The server does the work in ordinary Go, then
// calls SysServe again with the result, which wakes the caller and
// waits for (or immediately takes) the next request.
//
// With one P, the hand-off costs no Go-scheduler latency: each side
// enters its syscall through entersyscall, so the thread that wakes
// finds the P in _Psyscall and takes it back at once (exitsyscallfast).

const maxRequests = sched.MaxThreads

type request struct {
	used bool
	slot int // the caller's thread slot
	nr   uintptr
	args [6]uintptr
}

var (
	reqs   [maxRequests]request
	queue  [maxRequests]int // FIFO of request ids
	qhead  int
	qlen   int
	server struct {
		running bool
		waiting bool
		slot    int
		record  uintptr
	}
	// Handoffs counts requests served (unigo run -v).
	Handoffs uint64
)

// Serving reports whether the server goroutine is up.
func Serving() bool { return server.running }

// handoff parks the current thread on request nr(args) for the server.
func handoff(nr uintptr, args [6]uintptr) uintptr {
	if !server.running {
		return linux.ENOSYS.Ret()
	}
	id := -1
	for i := range reqs {
		if !reqs[i].used {
			id = i
			break
		}
	}
	if id < 0 {
		return waitForSlot()
	}
	reqs[id] = request{used: true, slot: sched.Global.CurrentIndex(), nr: nr, args: args}
	enqueue(id)
	sched.Global.Block(sched.WaitHandoff, 0)
	wakeServer()
	return 0 // the server's result replaces it
}

// post queues a request nobody waits for (its result is dropped). It
// does not wake the server: the caller may hold its P (RawSyscall), and
// the server would find none; the next blocking request wakes it, and
// requests run in order.
func post(nr uintptr, args [6]uintptr) bool {
	for i := range reqs {
		if !reqs[i].used {
			reqs[i] = request{used: true, slot: -1, nr: nr, args: args}
			enqueue(i)
			return true
		}
	}
	return false
}

func enqueue(id int) {
	queue[(qhead+qlen)%maxRequests] = id
	qlen++
}

// wakeServer gives the waiting server its next request.
func wakeServer() {
	if server.waiting {
		if next, ok := take(server.record); ok {
			server.waiting = false
			sched.Global.WakeFirst(server.slot, uintptr(next))
		}
	}
}

// take pops the next request and writes it to the server's record.
func take(record uintptr) (int, bool) {
	if qlen == 0 {
		return 0, false
	}
	b, ok := userBytes(record, unigo.RecordLen*8, true)
	if !ok {
		return 0, false
	}
	words, ok := next()
	if !ok {
		return 0, false
	}
	for i, w := range words {
		for k := 0; k < 8; k++ {
			b[i*8+k] = byte(w >> (8 * k))
		}
	}
	return int(words[0]), true
}

// verdict is what a family's look at the request at the head of the
// queue decides (prepare, in sockets.go for the network's requests).
type verdict uint8

const (
	serveIt    verdict = iota // pop the request and give it to the server
	dropIt                    // pop it and free its slot: the server need not hear of it
	serveFirst                // give the server another record first; the request stays queued
)

// next pops the next request for the server (take) as its record:
// [id, nr, a0..a5].
func next() ([unigo.RecordLen]uintptr, bool) {
	for qlen > 0 {
		id := queue[qhead]
		r := &reqs[id]
		v, first := prepare(r)
		if v == serveFirst {
			return first, true
		}
		qhead, qlen = (qhead+1)%maxRequests, qlen-1
		if v == dropIt {
			r.used = false
			slotFreed()
			continue
		}
		return [unigo.RecordLen]uintptr{uintptr(id), r.nr, r.args[0], r.args[1], r.args[2], r.args[3], r.args[4], r.args[5]}, true
	}
	return [unigo.RecordLen]uintptr{}, false
}

// serve is SysServe.
func serve(f *trap.Frame) uintptr {
	done, result, record := f.DI, f.SI, f.DX
	if !server.running {
		server.running, server.slot = true, sched.Global.CurrentIndex()
	}
	if done < maxRequests && reqs[done].used {
		r := &reqs[done]
		if r.slot >= 0 {
			sched.Global.WakeFirst(r.slot, completed(r, result))
		}
		r.used = false
		Handoffs++
		slotFreed()
	}
	if id, ok := take(record); ok {
		return uintptr(id)
	}
	server.waiting, server.record = true, record
	sched.Global.Block(sched.WaitServe, 0)
	return 0
}

// completed turns the server's answer into the caller's syscall result:
// a successful openat returns a server handle, for which the kernel now
// allocates the file descriptor.
func completed(r *request, result uintptr) uintptr {
	if int(result) >= 0 && r.nr == linux.SYS_ACCEPT4|unigo.NetCall {
		return completedAccept(r, result)
	}
	if r.nr != linux.SYS_OPENAT || int(result) < 0 {
		return result
	}
	fd, ok := alloc(kindServed, uint32(r.args[2]))
	if !ok {
		return linux.EMFILE.Ret() // the server's handle leaks until exit; rare
	}
	files[fd].handle = int(result)
	return uintptr(fd)
}
