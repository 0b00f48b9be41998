package sys

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
)

// TestTableRows checks what Dispatch and route take for granted of each row.
func TestTableRows(t *testing.T) {
	check := func(n uintptr, r *row) {
		if r.where == 0 {
			if r.run != nil || r.support != 0 || r.note != "" || r.fds != 0 || r.dirs != 0 || r.path {
				t.Errorf("%d: a row without where is unknown to Dispatch, yet it is filled in", n)
			}
			return
		}
		name := Name(n)
		if name == "unknown" {
			t.Errorf("row %d has no Linux name: not an x86-64 syscall", n)
		}
		if r.support == 0 {
			t.Errorf("%s: no support level", name)
		}
		if (r.support == Partial || r.support == Fixed || r.support == NoOp) && r.note == "" {
			t.Errorf("%s is %v: its note must say how", name, r.support)
		}
		if r.run == nil {
			switch r.where {
			case FileServer:
			case Network:
				if r.fds != arg0 || r.dirs != 0 || r.path {
					t.Errorf("%s: a network call is routed on its socket, argument 0, only", name)
				}
			default:
				t.Errorf("%s: without a handler, a row is routed to the file server or the network only, not %v", name, r.where)
			}
		}
		if r.fds&r.dirs != 0 {
			t.Errorf("%s: an argument is both an fd and a directory fd", name)
		}
	}
	for n := range calls {
		check(uintptr(n), &calls[n])
	}
	for i := range private {
		check(uintptr(i)+unigo.FirstPrivate, &private[i])
		if private[i].where == 0 {
			t.Errorf("private call %d has no row", uintptr(i)+unigo.FirstPrivate)
		}
	}
	if rowOf(unigo.LastPrivate+1) != nil || rowOf(unigo.FirstPrivate-1) != nil || rowOf(^uintptr(0)) != nil {
		t.Error("rowOf finds a row outside the tables")
	}
	if rowOf(unigo.SysServe) != &private[0] || rowOf(linux.SYS_READ) != &calls[0] {
		t.Error("rowOf indexes the wrong row")
	}
}

func TestRows(t *testing.T) {
	rows := Rows()
	seen := map[uintptr]bool{}
	for i, r := range rows {
		if i > 0 && r.Nr <= rows[i-1].Nr {
			t.Errorf("Rows is not in order: %d after %d", r.Nr, rows[i-1].Nr)
		}
		seen[r.Nr] = true
		if r.Where.String() == "" || r.Support.String() == "?" {
			t.Errorf("%s: where %q, support %q", r.Name, r.Where, r.Support)
		}
	}
	for _, n := range []uintptr{linux.SYS_READ, linux.SYS_SYSINFO, linux.SYS_OPENAT, linux.SYS_ACCEPT4, unigo.SysServe, unigo.SysAddEntropy} {
		if !seen[n] {
			t.Errorf("Rows lacks %s", Name(n))
		}
	}
	if got := (Kernel | FileServer | Network).String(); got != "kernel, file server, network" {
		t.Errorf("Where.String() = %q", got)
	}
}

// TestSysinfoLayout checks putSysinfo against x/sys/unix's struct
// sysinfo, whose layout cgo took from the Linux headers.
func TestSysinfoLayout(t *testing.T) {
	if unsafe.Sizeof(unix.Sysinfo_t{}) != linux.SizeofSysinfo {
		t.Fatalf("sizeof(Sysinfo_t) = %d, want %d", unsafe.Sizeof(unix.Sysinfo_t{}), linux.SizeofSysinfo)
	}
	var si unix.Sysinfo_t
	b := unsafe.Slice((*byte)(unsafe.Pointer(&si)), unsafe.Sizeof(si))
	for i := range b {
		b[i] = 0xAA // putSysinfo must clear what it does not set
	}
	putSysinfo(b, 12345, 512<<20, 300<<20, 7)
	want := unix.Sysinfo_t{Uptime: 12345, Totalram: 512 << 20, Freeram: 300 << 20, Procs: 7, Unit: 1}
	if si != want {
		t.Errorf("putSysinfo wrote %+v, want %+v", si, want)
	}
}
