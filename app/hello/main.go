// Command hello is unigo's first example: an ordinary Go program (it runs
// the same with go run) that prints, uses goroutines, channels, timers and
// a map, and forces garbage collections.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

func main() {
	fmt.Println("Hello from unigo!")

	// Goroutines and channels: squares computed concurrently.
	results := make(chan int)
	for i := 1; i <= 4; i++ {
		go func(n int) { results <- n * n }(i)
	}
	sum := 0
	for i := 0; i < 4; i++ {
		sum += <-results
	}
	fmt.Println("sum of squares 1..4 =", sum)

	// A map, printed in a stable order.
	counts := map[string]int{}
	for _, w := range []string{"go", "unikernel", "go", "boot", "go"} {
		counts[w]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%d ", k, counts[k])
	}
	fmt.Println()

	// Timers.
	start := time.Now()
	timer := time.NewTimer(5 * time.Millisecond)
	<-timer.C
	fmt.Println("timer fired:", time.Since(start) >= 5*time.Millisecond)

	// Garbage: allocate, drop, collect.
	var keep [][]byte
	for i := 0; i < 1000; i++ {
		b := make([]byte, 4096)
		if i%100 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("GC cycles >= 2:", ms.NumGC >= 2, "kept", len(keep))
	fmt.Fprintln(os.Stderr, "goodbye (on stderr)")
}
