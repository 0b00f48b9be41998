// stress runs many goroutines that allocate, talk over channels, and force
// garbage collections, and checks that every result arrives.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

type node struct {
	next *node
	buf  []byte
}

func work(id int, out chan<- int) {
	var head *node
	for i := 0; i < 200; i++ {
		head = &node{next: head, buf: make([]byte, 64+i%512)}
		if i%50 == 0 {
			runtime.Gosched()
		}
	}
	n := 0
	for p := head; p != nil; p = p.next {
		n++
	}
	out <- id*1000 + n
}

func main() {
	debug.SetGCPercent(10)
	const workers = 500
	out := make(chan int, 16)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); work(i, out) }(i)
	}
	go func() { wg.Wait(); close(out) }()
	seen := map[int]bool{}
	for v := range out {
		if v%1000 != 200 {
			fmt.Println("bad result", v)
			os.Exit(1)
		}
		seen[v/1000] = true
		if len(seen)%100 == 0 {
			runtime.GC()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("workers=%d gc=%v goroutines=%d\n", len(seen), ms.NumGC > 3, runtime.NumGoroutine())
}
