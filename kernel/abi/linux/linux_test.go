package linux

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// TestGeneratedUpToDate fails when zlinux_amd64.go differs from what
// tools/genabi writes from the x/sys in go.mod: run go generate.
func TestGeneratedUpToDate(t *testing.T) {
	want, err := exec.Command("go", "run", "unigo/tools/genabi").Output()
	if err != nil {
		t.Fatalf("go run unigo/tools/genabi: %v", err)
	}
	got, err := os.ReadFile("zlinux_amd64.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("zlinux_amd64.go is stale: run  go generate ./kernel/abi/linux")
	}
}

func TestErrno(t *testing.T) {
	if ENOENT.Ret() != ^uintptr(1) {
		t.Errorf("ENOENT.Ret() = %#x, want -2", ENOENT.Ret())
	}
	if got := Result(7, 0); got != 7 {
		t.Errorf("Result(7, 0) = %d", got)
	}
	if got := Result(7, EBADF); got != EBADF.Ret() {
		t.Errorf("Result(7, EBADF) = %#x", got)
	}
	if !IsError(EHWPOISON.Ret()) || !IsError(^uintptr(4094)) || IsError(^uintptr(4095)) || IsError(0) {
		t.Error("IsError does not match Linux's -4095..-1 error range")
	}
	for e, want := range map[Errno]string{EAGAIN: "EAGAIN", ENOENT: "ENOENT", ENOTCONN: "ENOTCONN", 0: "E?", 4000: "E?"} {
		if got := e.Name(); got != want {
			t.Errorf("Errno(%d).Name() = %q, want %q", int(e), got, want)
		}
	}
}

func TestSyscallName(t *testing.T) {
	for nr, want := range map[uintptr]string{SYS_READ: "read", SYS_OPENAT: "openat", SYS_GETRANDOM: "getrandom", 9999: "unknown"} {
		if got := SyscallName(nr); got != want {
			t.Errorf("SyscallName(%d) = %q, want %q", nr, got, want)
		}
	}
}
