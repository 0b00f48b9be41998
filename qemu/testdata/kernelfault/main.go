// kernelfault asks the unigo kernel to fault in its own code (a test hook).
package main

import (
	"fmt"
	"syscall"
)

const sysTestKernelFault = 1001

func main() {
	fmt.Println("asking the kernel to fault")
	syscall.RawSyscall(sysTestKernelFault, 0, 0, 0)
	fmt.Println("still here?")
}
