// oom allocates until memory runs out.
package main

import "fmt"

var keep [][]byte

func main() {
	fmt.Println("allocating")
	for i := 0; ; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(i)
		}
		keep = append(keep, b)
	}
}
