// Command random prints two 32-byte reads of crypto/rand, for the boot
// tests to check that getrandom gives distinct bytes in a guest.
package main

import (
	"crypto/rand"
	"fmt"
)

func main() {
	a, b := make([]byte, 32), make([]byte, 32)
	rand.Read(a)
	rand.Read(b)
	fmt.Printf("%x\n%x\n", a, b)
}
