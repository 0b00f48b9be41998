package sched

import (
	"testing"

	"unigo/kernel/trap"
)

// Frames are told apart by RIP.
const (
	ripIdle = 0x1d1e
	ripA    = 0xa000
	ripB    = 0xb000
	ripC    = 0xc000
)

func frame(rip uintptr) *trap.Frame { return &trap.Frame{RIP: rip} }

// newSched returns a scheduler running A (tid 1) with B, C... spawned.
func newSched(t *testing.T, others ...uintptr) *Scheduler {
	t.Helper()
	s := new(Scheduler)
	s.Init(frame(ripIdle), frame(ripA))
	for _, rip := range others {
		if _, _, ok := s.Spawn(frame(rip)); !ok {
			t.Fatalf("Spawn(%#x) = _, _, false, want ok", rip)
		}
	}
	return s
}

// finish runs Finish on the CPU's frame f at now and checks what it loaded.
func finish(t *testing.T, s *Scheduler, f *trap.Frame, now int64, wantRIP uintptr, wantSwitch bool) int64 {
	t.Helper()
	before := s.Switches
	next, switched := s.Finish(f, now)
	if switched != wantSwitch || f.RIP != wantRIP {
		t.Fatalf("Finish(at %d) = switched %v, loaded RIP %#x, want switched %v, RIP %#x", now, switched, f.RIP, wantSwitch, wantRIP)
	}
	if want := before + map[bool]uint64{true: 1}[wantSwitch]; s.Switches != want {
		t.Fatalf("Finish(at %d): Switches = %d, want %d", now, s.Switches, want)
	}
	return next
}

func TestInit(t *testing.T) {
	s := newSched(t)
	if c := s.Current(); c.TID != 1 || c.State != Running || c.Frame.RIP != ripA {
		t.Errorf("Current() after Init = tid %d, state %d, RIP %#x, want tid 1, Running, %#x", c.TID, c.State, c.Frame.RIP, ripA)
	}
	if s.CurrentIndex() != 1 || s.Idle() || s.Threads != 1 || s.Runnable() != 0 {
		t.Errorf("after Init: CurrentIndex, Idle, Threads, Runnable = %d, %v, %d, %d, want 1, false, 1, 0",
			s.CurrentIndex(), s.Idle(), s.Threads, s.Runnable())
	}
	if s.T[0].Frame.RIP != ripIdle {
		t.Errorf("idle frame RIP = %#x, want %#x", s.T[0].Frame.RIP, ripIdle)
	}
}

func TestSpawn(t *testing.T) {
	s := newSched(t)
	for i, rip := range []uintptr{ripB, ripC, 0xd000} {
		slot, tid, ok := s.Spawn(frame(rip))
		if !ok || tid != i+2 || slot != i+2 {
			t.Errorf("Spawn #%d = slot %d, tid %d, %v, want slot %d, tid %d, true", i, slot, tid, ok, i+2, i+2)
		}
		if th := &s.T[slot]; th.State != Runnable || th.Frame.RIP != rip || th.TID != tid {
			t.Errorf("Spawn #%d: thread = state %d, RIP %#x, tid %d, want Runnable, %#x, %d", i, th.State, th.Frame.RIP, th.TID, rip, tid)
		}
	}
	if s.Threads != 4 || s.Runnable() != 3 {
		t.Errorf("Threads, Runnable() = %d, %d, want 4, 3", s.Threads, s.Runnable())
	}
	// Fill the table: slots 1..MaxThreads-1.
	for n := 4; n < MaxThreads-1; n++ {
		if _, _, ok := s.Spawn(frame(0)); !ok {
			t.Fatalf("Spawn into slot %d = false, want true", n+1)
		}
	}
	if slot, tid, ok := s.Spawn(frame(0)); ok {
		t.Errorf("Spawn into a full table = %d, %d, true, want false", slot, tid)
	}
}

func TestFinishNoSwitch(t *testing.T) {
	// Alone: the thread keeps the CPU whatever the time.
	s := newSched(t)
	f := frame(ripA)
	for _, now := range []int64{0, Slice, 100 * Slice} {
		if next := finish(t, s, f, now, ripA, false); next != 0 {
			t.Errorf("Finish alone at %d = next %d, want 0", now, next)
		}
	}
}

func TestRoundRobin(t *testing.T) {
	s := newSched(t, ripB, ripC)
	f := frame(ripA)
	// A's slice was never set, so the first Finish with others runnable switches.
	finish(t, s, f, 0, ripB, true)
	// Inside B's slice: no switch, and the next timer is the slice's end.
	if next := finish(t, s, f, Slice-1, ripB, false); next != Slice {
		t.Errorf("Finish inside a slice = next %d, want %d", next, Slice)
	}
	f.RIP = ripB + 1 // B ran on
	want := []uintptr{ripC, ripA, ripB + 1, ripC, ripA}
	for i, rip := range want {
		now := int64(i+1) * Slice
		if next := finish(t, s, f, now, rip, true); next != now+Slice {
			t.Errorf("Finish #%d = next %d, want %d", i, next, now+Slice)
		}
	}
	if s.Switches != 6 {
		t.Errorf("Switches = %d, want 6", s.Switches)
	}
}

func TestYield(t *testing.T) {
	s := newSched(t, ripB)
	f := frame(ripA)
	finish(t, s, f, 0, ripB, true)
	s.Yield()
	finish(t, s, f, 1, ripA, true)
}

func TestExit(t *testing.T) {
	s := newSched(t, ripB)
	f := frame(ripA)
	s.Exit()
	if s.Threads != 1 {
		t.Errorf("Threads after Exit = %d, want 1", s.Threads)
	}
	finish(t, s, f, 0, ripB, true)
	if s.T[1].State != Free {
		t.Errorf("exited thread's state = %d, want Free", s.T[1].State)
	}
	// The slot is reused, with a new tid.
	slot, tid, ok := s.Spawn(frame(ripC))
	if slot != 1 || tid != 3 || !ok {
		t.Errorf("Spawn after Exit = slot %d, tid %d, %v, want 1, 3, true", slot, tid, ok)
	}
	// The last thread exits: idle.
	s.Exit()
	finish(t, s, f, 1, ripC, true)
	s.Exit()
	finish(t, s, f, 2, ripIdle, true)
	if !s.Idle() || s.Threads != 0 {
		t.Errorf("after every thread exited: Idle, Threads = %v, %d, want true, 0", s.Idle(), s.Threads)
	}
}

func TestBlockAndExpire(t *testing.T) {
	const ax = 0x5a5a // the syscall's provisional result in the frame
	tests := []struct {
		name   string
		wait   Wait
		wantAX uintptr
	}{
		{"sleep", WaitSleep, 0},
		{"futex", WaitFutex, ^uintptr(109)}, // -ETIMEDOUT
		{"poll", WaitPoll, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSched(t, ripB)
			f := frame(ripA)
			f.AX = ax
			th := s.Block(tt.wait, 5000)
			if th != s.Current() || th.State != Blocked || th.Wait != tt.wait || th.Deadline != 5000 {
				t.Fatalf("Block = %+v, want the current thread, Blocked, wait %d, deadline 5000", th, tt.wait)
			}
			// B runs; the timer must fire at A's deadline (before B's slice ends).
			if next := finish(t, s, f, 1000, ripB, true); next != 5000 {
				t.Errorf("Finish after Block = next %d, want A's deadline 5000", next)
			}
			if next := finish(t, s, f, 4999, ripB, false); next != 5000 {
				t.Errorf("Finish before the deadline = next %d, want 5000", next)
			}
			// At the deadline A wakes, with its result, and waits for B's slice.
			if next := finish(t, s, f, 5000, ripB, false); next != 1000+Slice {
				t.Errorf("Finish at the deadline = next %d, want B's slice end %d", next, 1000+Slice)
			}
			if a := &s.T[1]; a.State != Runnable || a.Frame.AX != tt.wantAX || a.Wait != WaitNone || a.Deadline != 0 {
				t.Errorf("A after its deadline: state %d, AX %#x, wait %d, deadline %d, want Runnable, %#x, WaitNone, 0",
					a.State, a.Frame.AX, a.Wait, a.Deadline, tt.wantAX)
			}
			finish(t, s, f, 1000+Slice, ripA, true)
			if f.AX != tt.wantAX {
				t.Errorf("A resumed with AX %#x, want %#x", f.AX, tt.wantAX)
			}
		})
	}
}

func TestBlockWithoutDeadline(t *testing.T) {
	s := newSched(t)
	f := frame(ripA)
	s.Block(WaitFutex, 0)
	if next := finish(t, s, f, 0, ripIdle, true); next != 0 {
		t.Errorf("Finish with only an untimed waiter = next %d, want 0", next)
	}
	s.Expire(1 << 62)
	if s.T[1].State != Blocked {
		t.Errorf("Expire woke a thread without a deadline: state %d, want Blocked", s.T[1].State)
	}
	// Idle stays idle on an interrupt.
	f.RIP = ripIdle + 4
	finish(t, s, f, 1<<62, ripIdle+4, false)
	s.Wake(1, 7)
	finish(t, s, f, 1<<62, ripA, true)
	if f.AX != 7 {
		t.Errorf("Wake(1, 7): resumed with AX %d, want 7", f.AX)
	}
	// The idle context was saved when it was left.
	if s.T[0].Frame.RIP != ripIdle+4 {
		t.Errorf("saved idle RIP = %#x, want %#x", s.T[0].Frame.RIP, ripIdle+4)
	}
}

// A deadline that has already passed when the thread blocks (a futex
// wait with a zero timeout, a sleep until a past time) expires in the
// same Finish: the thread must still see its timeout result.
func TestBlockExpiredDeadline(t *testing.T) {
	tests := []struct {
		name   string
		wait   Wait
		others []uintptr
		wantAX uintptr
		next   uintptr // first frame loaded
	}{
		{"futex alone", WaitFutex, nil, ^uintptr(109), ripA},
		{"sleep alone", WaitSleep, nil, 0, ripA},
		{"futex with others", WaitFutex, []uintptr{ripB}, ^uintptr(109), ripB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSched(t, tt.others...)
			f := frame(ripA)
			f.AX = 0 // the syscall's provisional result
			s.Block(tt.wait, 10)
			finish(t, s, f, 20, tt.next, true)
			if tt.next != ripA {
				s.Yield()
				finish(t, s, f, 21, ripA, true)
			}
			if f.AX != tt.wantAX {
				t.Errorf("A resumed with AX %#x, want %#x", f.AX, tt.wantAX)
			}
		})
	}
}

func TestWakeFutex(t *testing.T) {
	const x, y = 0x1000, 0x2000
	s := newSched(t, ripB, ripC, 0xd000, 0xe000)
	f := frame(ripA)
	block := func(w Wait, addr uintptr) {
		th := s.Block(w, 0)
		th.Addr = addr
		f.AX = 0x77
		s.Yield()
		if _, switched := s.Finish(f, 0); !switched {
			t.Fatalf("Finish after Block did not switch")
		}
	}
	block(WaitFutex, x) // A, slot 1
	block(WaitFutex, x) // B, slot 2
	block(WaitSleep, x) // C, slot 3: not a futex waiter
	block(WaitFutex, y) // D, slot 4
	block(WaitFutex, x) // E, slot 5
	if !s.Idle() {
		t.Fatalf("after everyone blocked: Idle() = false, want true")
	}
	tests := []struct {
		addr  uintptr
		n     int
		want  int
		woken []int // slots
	}{
		{x, 0, 0, nil},
		{0x3000, 5, 0, nil},
		{x, 2, 2, []int{1, 2}},
		{x, 5, 1, []int{5}},
		{x, 5, 0, nil},
		{y, 1, 1, []int{4}},
	}
	for _, tt := range tests {
		before := map[int]State{}
		for i := 1; i <= 5; i++ {
			before[i] = s.T[i].State
		}
		if got := s.WakeFutex(tt.addr, tt.n); got != tt.want {
			t.Errorf("WakeFutex(%#x, %d) = %d, want %d", tt.addr, tt.n, got, tt.want)
		}
		for i := 1; i <= 5; i++ {
			woken := false
			for _, w := range tt.woken {
				woken = woken || w == i
			}
			th := &s.T[i]
			switch {
			case woken && (th.State != Runnable || th.Frame.AX != 0 || th.Wait != WaitNone):
				t.Errorf("WakeFutex(%#x, %d): slot %d = state %d, AX %#x, wait %d, want Runnable, 0, WaitNone",
					tt.addr, tt.n, i, th.State, th.Frame.AX, th.Wait)
			case !woken && th.State != before[i]:
				t.Errorf("WakeFutex(%#x, %d): slot %d changed state %d -> %d, want unchanged", tt.addr, tt.n, i, before[i], th.State)
			}
		}
	}
	// They run in the order they woke: A, B, E, D.
	for _, rip := range []uintptr{ripA, ripB, 0xe000, 0xd000} {
		s.Yield()
		if s.Finish(f, 1); f.RIP != rip {
			t.Errorf("run order: got RIP %#x, want %#x", f.RIP, rip)
		}
	}
	if s.T[3].State != Blocked {
		t.Errorf("the sleeper: state %d, want Blocked", s.T[3].State)
	}
}

func TestWakeNotBlocked(t *testing.T) {
	s := newSched(t, ripB)
	s.Wake(2, 99) // B is runnable, not blocked
	if s.T[2].Frame.AX != 0 || s.Runnable() != 1 {
		t.Errorf("Wake of a runnable thread: AX %d, Runnable() %d, want 0, 1", s.T[2].Frame.AX, s.Runnable())
	}
}

func TestNextEvent(t *testing.T) {
	s := newSched(t, ripB, ripC)
	f := frame(ripA)
	s.Block(WaitSleep, 9*Slice)
	finish(t, s, f, 0, ripB, true)
	s.Block(WaitSleep, 3*Slice)
	finish(t, s, f, 0, ripC, true) // slice ends at Slice, sleepers at 3 and 9 slices
	s.Block(WaitSleep, 7*Slice)
	// C blocks; nothing runnable: the earliest deadline.
	if next := finish(t, s, f, 1, ripIdle, true); next != 3*Slice {
		t.Errorf("idle with sleepers = next %d, want %d", next, 3*Slice)
	}
	// B wakes at 3 slices and runs alone: the next deadline is C's.
	if next := finish(t, s, f, 3*Slice, ripB, true); next != 7*Slice {
		t.Errorf("one runnable thread = next %d, want %d", next, 7*Slice)
	}
	// C wakes at 7: B's slice (3+1) is over, so C runs; next is C's slice end (8), before A's 9.
	if next := finish(t, s, f, 7*Slice, ripC, true); next != 8*Slice {
		t.Errorf("two runnable threads = next %d, want %d", next, 8*Slice)
	}
}
