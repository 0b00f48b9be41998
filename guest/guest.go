// Package guest is what a program can ask of the unigo kernel beyond
// Linux's system calls: whether it runs under unigo, the kernel's
// counters, the network device's counters, and boot milestones. Every
// function also works when the program runs as a plain Linux process:
// Booted is false and the counters report ok=false.
//
// Importing it links no more of unigo than the kernel itself: a program
// that shows the network device's counters does not link the network
// stack in its Linux build.
package guest

import "unigo/kernel"

// Booted reports whether the program runs under unigo.
func Booted() bool { return kernel.Booted() }

// Milestone records a boot milestone (unigo run -v prints them;
// unigo/netstack marks "net-up"); outside unigo it does nothing.
func Milestone(name string) { kernel.Milestone(name) }
