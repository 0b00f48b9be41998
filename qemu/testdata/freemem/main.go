// freemem checks that memory the Go runtime gives back reaches the kernel:
// after debug.FreeOSMemory the kernel's in-use frame count drops.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"unigo/guest"
)

var chunks [][]byte

func main() {
	before, ok := guest.Stats()
	if !ok {
		fmt.Println("not running under unigo")
		os.Exit(1)
	}
	for i := 0; i < 48; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		chunks = append(chunks, b)
	}
	full, _ := guest.Stats()
	chunks = nil
	runtime.GC()
	debug.FreeOSMemory()
	after, _ := guest.Stats()
	grew := int64(full.FramesInUse) - int64(before.FramesInUse)
	freed := int64(full.FramesInUse) - int64(after.FramesInUse)
	fmt.Printf("grew=%v freed=%v\n", grew >= 48*256, freed >= 40*256)
	fmt.Fprintf(os.Stderr, "frames: before %d, full %d, after FreeOSMemory %d\n", before.FramesInUse, full.FramesInUse, after.FramesInUse)
}
