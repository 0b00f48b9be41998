// latency measures two system call round trips: getpid (answered in the
// kernel's trap context) and a 1-byte pread of a file in /tmp (under unigo
// handed off to the kernel's file-server goroutine). It prints ns per call.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	const n = 20000
	t := time.Now()
	for i := 0; i < n; i++ {
		syscall.Getpid()
	}
	getpid := time.Since(t).Nanoseconds() / n

	dir := os.Getenv("TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	p := filepath.Join(dir, "unigo-latency-byte")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	f, err := os.Open(p)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	b := make([]byte, 1)
	t = time.Now()
	for i := 0; i < n; i++ {
		if _, err := f.ReadAt(b, 0); err != nil || b[0] != 'x' {
			fmt.Println("read:", err)
			os.Exit(1)
		}
	}
	pread := time.Since(t).Nanoseconds() / n
	f.Close()
	os.Remove(p)
	fmt.Printf("getpid_ns=%d pread1_ns=%d\n", getpid, pread)
}
