// nilderef dereferences a nil pointer.
package main

import "fmt"

type T struct{ x int }

//go:noinline
func crash(p *T) int { return p.x }

func main() {
	fmt.Println("about to crash")
	fmt.Println(crash(nil))
}
