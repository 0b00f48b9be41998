// Package sched runs the program's threads (the Go runtime's Ms) on the
// CPU: a table of threads with their saved contexts, a FIFO run queue,
// round-robin preemption by time slice, blocking with deadlines (futex,
// nanosleep, epoll), and the idle context that halts the CPU.
//
// The kernel never sleeps on its own stack: a blocking syscall records why
// its thread waits and Finish switches the trap frame to another context.
// The waker writes the syscall's result into the sleeper's saved frame.
//
// Wire it in: Init with the first thread's frame, call Finish at the end of
// every trap, and program the timer to the deadline Finish returns.
package sched

import (
	"unigo/kernel/trap"

	"unigo/kernel/abi/linux"
)

// MaxThreads bounds the table. Go makes a handful of Ms per P plus sysmon,
// and one more for each thread blocked in a system call: in unigo that
// includes every call handed to the server goroutine while it is busy, so
// a server with hundreds of connections can have hundreds of threads.
const MaxThreads = 512

// State of a thread.
type State uint8

const (
	Free State = iota
	Runnable
	Running
	Blocked
)

// Why a blocked thread waits.
type Wait uint8

const (
	WaitNone    Wait = iota
	WaitFutex        // on Addr
	WaitSleep        // until Deadline
	WaitPoll         // on an epoll instance (kernel/sys keeps which)
	WaitHandoff      // for the kernel's server goroutine to answer
	WaitServe        // the server, for the next request
	WaitSlot         // for a free hand-off request slot, to restart its syscall
)

// Slice is the round-robin time slice.
const Slice = 2_000_000 // ns

// Thread is one kernel thread. No Go pointers: see package trap.
type Thread struct {
	State    State
	Wait     Wait
	TID      int
	Frame    trap.Frame // saved context while not running
	Addr     uintptr    // futex word
	Deadline int64      // monotonic ns; 0: none
	SigMask  uint64
	Pending  uint64     // signals sent but not yet delivered (bit sig-1)
	AltStack [3]uintptr // ss_sp, ss_flags, ss_size
	next     int        // run-queue link (index+1; 0 ends)
}

// Scheduler state. Thread index 0 is the idle context.
type Scheduler struct {
	T          [MaxThreads]Thread
	cur        int
	head, tail int // run queue as index+1 links
	queued     int
	sliceEnd   int64
	nextTID    int
	Switches   uint64
	Threads    int // live threads, idle excluded
	// Hi is one past the highest slot ever used: scans stop there, so a
	// large table costs only what the program has used of it.
	Hi int
}

const idle = 0

// Init makes the idle context and the first thread (tid 1), which becomes current.
func (s *Scheduler) Init(idleFrame, first *trap.Frame) {
	s.T[idle] = Thread{State: Runnable, Frame: *idleFrame}
	s.T[1] = Thread{State: Running, TID: 1, Frame: *first}
	s.cur, s.nextTID, s.Threads, s.Hi = 1, 2, 1, 2
}

// Current returns the running thread.
func (s *Scheduler) Current() *Thread { return &s.T[s.cur] }

// CurrentIndex returns the running thread's slot.
func (s *Scheduler) CurrentIndex() int { return s.cur }

// Idle reports whether the CPU is idling.
func (s *Scheduler) Idle() bool { return s.cur == idle }

// Spawn takes a slot for a new thread with context f, runnable.
// It returns its slot and tid, or ok=false when the table is full.
func (s *Scheduler) Spawn(f *trap.Frame) (slot, tid int, ok bool) {
	for i := 1; i < MaxThreads; i++ {
		if s.T[i].State == Free {
			s.T[i] = Thread{State: Runnable, TID: s.nextTID, Frame: *f}
			s.Hi = max(s.Hi, i+1)
			s.nextTID++
			s.Threads++
			s.enqueue(i)
			return i, s.T[i].TID, true
		}
	}
	return 0, 0, false
}

// Exit ends the current thread; Finish then switches away.
func (s *Scheduler) Exit() {
	s.T[s.cur].State = Free
	s.Threads--
}

// Block parks the current thread; Finish switches away. deadline 0: none.
func (s *Scheduler) Block(w Wait, deadline int64) *Thread {
	t := &s.T[s.cur]
	t.State, t.Wait, t.Deadline = Blocked, w, deadline
	return t
}

// Yield gives the CPU to the next runnable thread, if any.
func (s *Scheduler) Yield() { s.sliceEnd = 0 }

// Wake makes the thread in slot i runnable with syscall result ret.
func (s *Scheduler) Wake(i int, ret uintptr) {
	if s.ready(i, ret) {
		s.enqueue(i)
	}
}

// ready makes a blocked thread runnable with syscall result ret.
func (s *Scheduler) ready(i int, ret uintptr) bool {
	t := &s.T[i]
	if t.State != Blocked {
		return false
	}
	t.State, t.Wait, t.Deadline = Runnable, WaitNone, 0
	t.Frame.AX = ret
	return true
}

// WakeFirst is Wake, but the thread runs next: for a hand-off, where the
// woken thread is the one the caller waits for.
func (s *Scheduler) WakeFirst(i int, ret uintptr) {
	if !s.ready(i, ret) {
		return
	}
	s.T[i].next = s.head
	s.head = i + 1
	if s.tail == 0 {
		s.tail = i + 1
	}
	s.queued++
}

// WakeFutex wakes up to n threads waiting on addr and returns how many.
func (s *Scheduler) WakeFutex(addr uintptr, n int) int {
	woken := 0
	for i := 1; i < s.Hi && woken < n; i++ {
		if t := &s.T[i]; t.State == Blocked && t.Wait == WaitFutex && t.Addr == addr {
			s.Wake(i, 0)
			woken++
		}
	}
	return woken
}

func (s *Scheduler) enqueue(i int) {
	s.T[i].next = 0
	if s.tail == 0 {
		s.head = i + 1
	} else {
		s.T[s.tail-1].next = i + 1
	}
	s.tail = i + 1
	s.queued++
}

func (s *Scheduler) dequeue() (int, bool) {
	if s.head == 0 {
		return 0, false
	}
	i := s.head - 1
	s.head = s.T[i].next
	if s.head == 0 {
		s.tail = 0
	}
	s.queued--
	return i, true
}

// Runnable is how many threads wait for the CPU.
func (s *Scheduler) Runnable() int { return s.queued }

// Expire wakes the blocked threads whose deadline has passed (futex
// waits with -ETIMEDOUT, sleeps and epoll waits with 0) and returns the
// earliest deadline still pending (0: none), from the same scan.
func (s *Scheduler) Expire(now int64) (earliest int64) {
	for i := 1; i < s.Hi; i++ {
		t := &s.T[i]
		if t.State != Blocked || t.Deadline == 0 {
			continue
		}
		if t.Deadline > now {
			if earliest == 0 || t.Deadline < earliest {
				earliest = t.Deadline
			}
			continue
		}
		var ret uintptr
		if t.Wait == WaitFutex {
			ret = linux.ETIMEDOUT.Ret() // a futex wait at its deadline
		}
		s.Wake(i, ret) // sleep: 0; epoll: 0 events
	}
	return earliest
}

// Finish ends a trap: it saves f into the current thread and loads the
// next one when the current one blocked, exited or used up its slice. It
// returns the next moment the timer must fire (0: none) and sets *switched.
func (s *Scheduler) Finish(f *trap.Frame, now int64) (next int64, switched bool) {
	cur := &s.T[s.cur]
	// A thread that just blocked is saved before Expire, which may wake
	// it at once (a deadline already past) and write its result there.
	blocked := cur.State == Blocked
	if blocked {
		cur.Frame = *f
	}
	deadline := s.Expire(now)
	runningOn := cur.State == Running && s.cur != idle
	if runningOn && (s.queued == 0 || now < s.sliceEnd) {
		return s.nextEvent(deadline), false
	}
	if s.cur == idle && s.queued == 0 {
		return s.nextEvent(deadline), false
	}
	// Switch.
	if cur.State != Free && !blocked {
		cur.Frame = *f
	}
	if runningOn {
		cur.State = Runnable
		s.enqueue(s.cur)
	}
	n, ok := s.dequeue()
	if !ok {
		n = idle
	}
	s.cur = n
	s.T[n].State = Running
	*f = s.T[n].Frame
	s.sliceEnd = now + Slice
	s.Switches++
	return s.nextEvent(deadline), true
}

// nextEvent is when the timer must fire: the earliest blocked deadline,
// or the end of the slice when another thread waits for the CPU.
func (s *Scheduler) nextEvent(deadline int64) int64 {
	if s.queued > 0 && s.cur != idle && (deadline == 0 || s.sliceEnd < deadline) {
		return s.sliceEnd
	}
	return deadline
}
