package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/sched"
	"unigo/kernel/trap"
)

// When the hand-off's request table is full. The table has a slot per
// thread, and a thread waiting for an answer holds one; but posted
// requests (a socket's close, which nobody waits for) hold slots too, and
// a thread can post many without waiting once. Before socket(2) stopped
// taking a slot, 300 goroutines dialling at once (a post each, then a
// wait on connect) filled it and connect failed with EAGAIN. Linux never
// fails a call for that, so neither may unigo:
//
//   - A call that finds no slot waits for one (WaitSlot) and is then
//     restarted: its thread resumes at the syscall instruction again with
//     the syscall number back in AX, as Linux restarts a call interrupted
//     by a signal whose handler has SA_RESTART.
//   - A socket's close, whose fd is gone already, cannot be restarted: its
//     handle stays reserved and the close is queued as soon as a slot
//     frees, before any waiter's restart.
//
// socket(2) itself takes no slot: see sock.create.

// syscallInsnLen is the length of SYSCALL (0F 05; Intel SDM vol. 2B,
// "SYSCALL—Fast System Call"), which the restarted thread executes again.
const syscallInsnLen = 2

var (
	restart struct {
		pending bool // the current call waits for a slot
		waiters int  // threads in WaitSlot
	}
	deferred struct {
		handles [MaxSockets]int32
		n       int
	}
)

// waitForSlot parks the current thread until a request slot frees; the
// call is restarted then (Dispatch rewinds it).
func waitForSlot() uintptr {
	sched.Global.Block(sched.WaitSlot, 0)
	restart.pending = true
	restart.waiters++
	wakeServer() // the table may hold only posts, which do not wake it
	return 0
}

// restartCall rewinds the frame of call nr, which waits for a slot: the
// scheduler saves this frame, and when the thread runs again it executes
// the same syscall.
func restartCall(f *trap.Frame, nr uintptr) {
	restart.pending = false
	f.AX = nr
	f.RIP -= syscallInsnLen
}

// slotFreed runs when the server completes a request: deferred closes
// take free slots first, then one waiting thread is woken to retry.
func slotFreed() {
	for deferred.n > 0 {
		h := int(deferred.handles[deferred.n-1])
		if !post(linux.SYS_CLOSE|unigo.NetCall, [6]uintptr{uintptr(h)}) {
			return
		}
		deferred.n--
	}
	if restart.waiters == 0 {
		return
	}
	for i := 1; i < sched.Global.Hi; i++ {
		if t := &sched.Global.T[i]; t.State == sched.Blocked && t.Wait == sched.WaitSlot {
			restart.waiters--
			sched.Global.Wake(i, t.Frame.AX) // AX holds the syscall number again
			return
		}
	}
}

// deferClose queues the close of handle h (reserved by closeSocket) as
// soon as a slot frees.
func deferClose(h int) {
	deferred.handles[deferred.n] = int32(h)
	deferred.n++
}
