// faults triggers the CPU exceptions that Linux turns into signals and the
// Go runtime into panics, recovers each, and prints what it got.
package main

import (
	"fmt"
	"os"
	"strings"
	"unsafe"
)

type T struct{ a, b int }

var ro = "read-only data"

//go:noinline
func nilDeref(p *T) int { return p.b }

//go:noinline
func writeRodata() {
	p := unsafe.StringData(ro)
	*(*byte)(unsafe.Pointer(p)) = 'X'
}

//go:noinline
func divide(a, b int) int { return a / b }

func try(name string, f func()) {
	defer func() {
		r := recover()
		msg := fmt.Sprint(r)
		if i := strings.Index(msg, " [signal"); i >= 0 {
			msg = msg[:i]
		}
		fmt.Printf("%s: %s\n", name, msg)
	}()
	f()
}

func main() {
	try("nil", func() { nilDeref(nil) })
	try("divide", func() { divide(1, len(os.Args)-1) })
	if len(os.Args) > 1 && os.Args[1] == "rodata" {
		writeRodata() // not recoverable, on Linux neither: "fatal error: fault"
	}
	try("index", func() { _ = []int{}[len(os.Args)] })
	fmt.Println("all recovered")
}
