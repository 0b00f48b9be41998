// preempt spins in a loop with no function calls while main sleeps: with
// GOMAXPROCS=1 main only runs again if the runtime can preempt the loop
// asynchronously (SIGURG through tgkill).
package main

import (
	"fmt"
	"runtime"
	"time"
)

var sink int

func spin() {
	for i := 0; ; i++ {
		sink += i
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	go spin()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("main ran again: preempted")
}
