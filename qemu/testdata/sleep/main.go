// sleep measures time.Sleep(1ms) and prints the median and the clocks' sanity.
package main

import (
	"fmt"
	"sort"
	"time"
)

func main() {
	const n = 41
	var d []time.Duration
	for i := 0; i < n; i++ {
		t := time.Now()
		time.Sleep(time.Millisecond)
		d = append(d, time.Since(t))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	fmt.Printf("median_us=%d min_us=%d\n", d[n/2].Microseconds(), d[0].Microseconds())
	t := time.Now()
	time.Sleep(50 * time.Millisecond)
	fmt.Printf("sleep50_us=%d\n", time.Since(t).Microseconds())
	fmt.Printf("year=%d\n", time.Now().Year())
}
