package sched

// Lock discipline, for SMP. Today one CPU runs the kernel, always with
// interrupts off (see package trap), so nothing here takes a lock. When
// more CPUs run threads:
//
//   - Per CPU: the running thread (cur), its slice end (sliceEnd) and an
//     idle context each (slot 0 is the only one now); they move beside
//     trap.CPU, where the local APIC timer's deadline already is
//     (trap.CPU.TimerDeadline).
//   - Shared, under one spinlock (the scheduler lock): the thread table T
//     (states, waits, saved frames), the run queue (head, tail, queued and
//     the next links), nextTID, Threads, Hi and Switches. Spawn, Exit,
//     Block, Wake, WakeFirst, WakeFutex, Expire and Finish take it. The
//     scheduler itself is Global (state.go).
//   - Never hold a spinlock across a context switch: Finish picks the next
//     thread and copies its saved Frame into the trap frame under the lock,
//     then drops it before the exit path restores that frame. A thread is
//     Running on at most one CPU, because only the CPU that dequeues it,
//     under the lock, loads its frame.
//   - Interrupts stay off while the lock is held: the timer interrupt
//     (Finish) and device interrupts (Wake) take it, and a handler spinning
//     on a lock its own CPU holds never returns.
//   - A futex wait compares the user's word and Blocks under the lock that
//     WakeFutex takes; otherwise a wake from another CPU between the two is
//     lost.
//   - Take mm's locks before the scheduler lock, never the reverse (a
//     syscall reads user memory through mm.Space, then blocks).
//   - A thread made runnable while other CPUs halt in their idle context
//     needs an IPI to wake one of them; a deadline is served by the CPU
//     whose timer fires, so each CPU arms its timer for the earliest
//     deadline Expire reports.
