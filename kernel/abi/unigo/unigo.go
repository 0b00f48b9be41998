// Package unigo is the ABI between unigo's kernel and the parts of unigo
// that run as ordinary Go in the program's address space (the file
// server, the network stack, drivers): the numbers of unigo's private
// system calls and the layout of the hand-off record. Linux has none of
// these numbers (its highest is below 512), so a program never reaches
// them by mistake. Constants only: any package may import it.
package unigo

// Private system calls, issued with SYSCALL like Linux's.
const (
	// SysServe(done, result, record) is the server goroutine's loop: it
	// completes request done (unless NoRequest) with result and returns
	// the next request's id, the request written to record
	// ([RecordLen]uint64: id, nr, a0..a5).
	SysServe = 1000
	// SysTestKernelFault makes the kernel itself fault (a NULL read in
	// trap context), to test the fatal-error path end to end, as Linux's
	// sysrq-trigger "c" does. Nothing else uses it.
	SysTestKernelFault = 1001
	// SysDMAAlloc(bytes) returns the address of zeroed, physically
	// contiguous, identity-mapped memory (physical == virtual), for
	// device rings and packet buffers; it is never freed.
	SysDMAAlloc = 1002
	// SysIRQOpen(line) routes an interrupt line to the CPU and returns a
	// non-blocking fd that is readable (8-byte count) after it fired.
	// With IRQMSI or'ed in, line is a message-signalled vector's index.
	SysIRQOpen = 1003
	// SysNotify(handle, events, edge): the network stack reports a
	// socket's readiness (EPOLLIN|EPOLLOUT|...); with edge, as new.
	SysNotify = 1004
	// SysSockAlloc() returns a free socket handle (for accepted sockets).
	SysSockAlloc = 1005
	// SysSockAddr(handle, which, sockaddr, len) caches a socket's local
	// (which = 0) or peer (1) address for getsockname and getpeername.
	SysSockAddr = 1006
	// SysMapMMIO(phys, size) maps a device's registers (a PCI BAR)
	// uncached at their physical address, outside RAM, below 512 GiB.
	SysMapMMIO = 1007
	// SysAddEntropy(buf, n) mixes n bytes (at most 4096) from an entropy
	// device into the generator behind getrandom.
	SysAddEntropy = 1008

	// FirstPrivate and LastPrivate bound the private numbers.
	FirstPrivate = SysServe
	LastPrivate  = SysAddEntropy
)

// IRQMSI, or'ed into SysIRQOpen's line, opens a message-signalled
// interrupt's vector: no I/O APIC routing.
const IRQMSI = 0x100

// The hand-off record SysServe writes: [id, nr, a0, a1, a2, a3, a4, a5].
const (
	RecordLen = 8 // words
	// NoRequest as SysServe's done argument completes nothing.
	NoRequest = ^uintptr(0)
	// NetCall marks a record's nr as a call on a socket handle (read,
	// write, close... of a socket): nr | NetCall, the handle in a0.
	NetCall = 1 << 20
)
