// sigdfl resets SIGSEGV to its default action behind the runtime's back
// and dereferences nil: the kernel kills the program as Linux would.
package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

type T struct{ x int }

//go:noinline
func crash(p *T) int { return p.x }

func main() {
	var act [4]uint64 // sa_handler = SIG_DFL, flags, restorer, mask
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGSEGV),
		uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		fmt.Println("rt_sigaction:", e)
	}
	fmt.Println("about to crash")
	fmt.Println(crash(nil))
}
