// Package server is the kernel's services that run as ordinary Go, in
// the server goroutine: the file system (kernel/vfs) with the image's
// root and the host shares, entropy seeding, and the socket calls that
// unigo/netstack registers. Package kernel runs in trap context and
// hands these system calls over (kernel/sys/handoff.go); this package
// answers them with the full Go runtime at hand.
//
// The image builder links it into the program (import _
// "unigo/kernel/server"), and it imports package kernel: its init starts
// the server before any package that depends on it initialises, and
// before the program's main.
package server

import "unigo/kernel"

func init() {
	if kernel.Booted() {
		startServer()
		kernel.Milestone("main")
	}
}
