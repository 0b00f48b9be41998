// argsenv prints its arguments and two environment variables.
package main

import (
	"fmt"
	"os"
)

func main() {
	for i, a := range os.Args[1:] {
		fmt.Printf("arg%d=%q\n", i+1, a)
	}
	fmt.Printf("FOO=%q\n", os.Getenv("FOO"))
	v, ok := os.LookupEnv("EMPTY")
	fmt.Printf("EMPTY=%q %v\n", v, ok)
}
