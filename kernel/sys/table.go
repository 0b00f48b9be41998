package sys

import (
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/kfmt"
	"unigo/kernel/trap"
)

// The syscall table: one row per call the kernel answers, indexed by
// syscall number, saying where the call runs, which trap-side handler
// starts it, and how much of Linux's behaviour it has. Dispatch is a
// bounds check and an indexed load. docs/syscalls.md is generated from
// it (go run ./tools/gensyscalls).
//
// The table is statically initialised (constants, strings and top-level
// funcs only): Dispatch runs before the Go runtime's init. No handler
// may refer to calls or private, directly or not, or the compiler sees
// an initialisation cycle; Name uses linux.SyscallName for that reason.

// Where says where a call runs; a call on an fd may run in several
// places, by the fd's kind.
type Where uint8

const (
	// Kernel: in trap context, in this package.
	Kernel Where = 1 << iota
	// FileServer: handed off to the kernel's file server goroutine
	// (kernel/server/serve.go), fds translated into its handles.
	FileServer
	// Network: handed off through the server to the network stack
	// (unigo/netstack), as nr | unigo.NetCall with the socket's handle.
	Network
)

// Support says how much of Linux's behaviour a call has; the row's note
// says what is missing or fixed.
type Support uint8

const (
	Full    Support = iota + 1
	Partial         // some arguments or cases are not supported
	Fixed           // a fixed answer (unigo is one process on one CPU)
	NoOp            // accepted and ignored
)

// handler starts a call in trap context: a holds the six arguments (DI,
// SI, DX, R10, R8, R9), f the caller's registers (clone, arch_prctl and
// rt_sigreturn need them). Its result goes to f.AX. A call that waits
// parks its thread and returns 0; the waker writes the result.
//
// a is passed by value: a pointer through a func value would make the
// array escape to the heap, which trap context cannot use.
type handler func(f *trap.Frame, a [6]uintptr) uintptr

// argMask marks arguments by position: bit i is argument i.
type argMask uint8

const (
	arg0 argMask = 1 << iota
	arg1
	arg2
)

type row struct {
	where   Where
	support Support
	// run starts the call in trap context. When it is nil the call is
	// routed to where (FileServer or Network) by route, with the
	// arguments below translated.
	run handler
	// fds are the arguments that are fds to translate into the server's
	// handles: served files (EBADF, or EINVAL for another kind) for the
	// file server, sockets (EBADF, or ENOTSOCK) for the network.
	fds argMask
	// dirs are directory fds of *at calls: AT_FDCWD passes as is, a
	// served directory becomes its handle, another kind is ENOTDIR.
	dirs argMask
	// path: the call takes a path; before the file server runs (the Go
	// runtime's own probes at start) the answer is ENOENT.
	path bool
	note string
}

// calls is the table of Linux calls, indexed by number
// (arch/x86/entry/syscalls/syscall_64.tbl, via kernel/abi/linux).
var calls = [linux.MaxSyscall]row{
	// fds (fd.go)
	linux.SYS_READ:      {where: Kernel | FileServer | Network, support: Full, run: sysRead, note: "stdin is empty (EOF)"},
	linux.SYS_WRITE:     {where: Kernel | FileServer | Network, support: Full, run: sysWrite},
	linux.SYS_READV:     {where: Kernel | Network, support: Full, run: sysReadv, note: "on a file, the first non-empty iovec only (a short read)"},
	linux.SYS_WRITEV:    {where: Kernel | Network, support: Full, run: sysWritev, note: "on a file, the first non-empty iovec only (a short write)"},
	linux.SYS_PREAD64:   {where: Kernel | FileServer, support: Full, run: sysPread64, note: "ESPIPE on anything but a file"},
	linux.SYS_CLOSE:     {where: Kernel | FileServer | Network, support: Full, run: sysClose},
	linux.SYS_FSTAT:     {where: Kernel | FileServer, support: Full, run: sysFstat},
	linux.SYS_FCNTL:     {where: Kernel, support: Partial, run: sysFcntl, note: "F_GETFD, F_SETFD, F_GETFL, F_SETFL (O_NONBLOCK only), F_DUPFD, F_DUPFD_CLOEXEC; no locks"},
	linux.SYS_DUP:       {where: Kernel, support: Full, run: sysDup},
	linux.SYS_DUP2:      {where: Kernel, support: Full, run: sysDup2},
	linux.SYS_DUP3:      {where: Kernel, support: Full, run: sysDup3},
	linux.SYS_IOCTL:     {where: Kernel, support: Fixed, run: sysIoctl, note: "ENOTTY: no terminals"},
	linux.SYS_FSYNC:     {where: Kernel, support: NoOp, run: sysFsync, note: "memory-backed files: nothing to sync"},
	linux.SYS_FDATASYNC: {where: Kernel, support: NoOp, run: sysFsync, note: "memory-backed files: nothing to sync"},

	// files, routed to the file server (files.go)
	linux.SYS_OPENAT:     {where: FileServer, support: Full, dirs: arg0, path: true},
	linux.SYS_NEWFSTATAT: {where: Kernel | FileServer, support: Full, run: sysNewfstatat, note: "AT_EMPTY_PATH on a console, socket, epoll or eventfd fd is answered in the kernel"},
	linux.SYS_MKDIRAT:    {where: FileServer, support: Full, dirs: arg0, path: true},
	linux.SYS_UNLINKAT:   {where: FileServer, support: Full, dirs: arg0, path: true},
	linux.SYS_RENAMEAT:   {where: FileServer, support: Full, dirs: arg0 | arg2, path: true},
	linux.SYS_RENAMEAT2:  {where: FileServer, support: Partial, run: sysRenameat2, note: "flags (RENAME_NOREPLACE, RENAME_EXCHANGE, ...) are EINVAL"},
	linux.SYS_SYMLINKAT:  {where: FileServer, support: Full, dirs: arg1, path: true},
	linux.SYS_READLINKAT: {where: FileServer, support: Full, dirs: arg0, path: true},
	linux.SYS_FACCESSAT:  {where: FileServer, support: Partial, dirs: arg0, path: true, note: "existence, and writability for W_OK; R_OK and X_OK pass (root)"},
	linux.SYS_FACCESSAT2: {where: FileServer, support: Partial, dirs: arg0, path: true, note: "as faccessat; flags (AT_EACCESS, AT_SYMLINK_NOFOLLOW) ignored"},
	linux.SYS_CHDIR:      {where: FileServer, support: Full, path: true},
	linux.SYS_FCHDIR:     {where: FileServer, support: Full, fds: arg0},
	linux.SYS_GETCWD:     {where: Kernel | FileServer, support: Full, run: sysGetcwd, note: "\"/\" before the file server runs"},
	linux.SYS_LSEEK:      {where: FileServer, support: Full, fds: arg0},
	linux.SYS_GETDENTS64: {where: FileServer, support: Full, fds: arg0},
	linux.SYS_FTRUNCATE:  {where: FileServer, support: Full, fds: arg0},
	linux.SYS_PWRITE64:   {where: FileServer, support: Full, fds: arg0},

	// sockets, routed to the network stack (sockets.go)
	linux.SYS_SOCKET:      {where: Kernel, support: Partial, run: sysSocket, note: "AF_INET and AF_INET6 (TCP, UDP, ICMP echo), AF_NETLINK (NETLINK_ROUTE); the network stack creates it before its first call"},
	linux.SYS_SOCKETPAIR:  {where: Kernel, support: Fixed, run: sysSocketpair, note: "EAFNOSUPPORT: no AF_UNIX"},
	linux.SYS_GETSOCKNAME: {where: Kernel, support: Full, run: sysGetsockname, note: "from the address cache the network stack keeps (SysSockAddr)"},
	linux.SYS_GETPEERNAME: {where: Kernel, support: Full, run: sysGetpeername, note: "from the address cache the network stack keeps (SysSockAddr)"},
	linux.SYS_ACCEPT:      {where: Network, support: Full, run: sysAccept, note: "as accept4 with no flags"},
	linux.SYS_ACCEPT4:     {where: Network, support: Full, fds: arg0},
	linux.SYS_CONNECT:     {where: Network, support: Full, fds: arg0},
	linux.SYS_BIND:        {where: Network, support: Full, fds: arg0},
	linux.SYS_LISTEN:      {where: Network, support: Full, fds: arg0},
	linux.SYS_SHUTDOWN:    {where: Network, support: Full, fds: arg0},
	linux.SYS_SENDTO:      {where: Network, support: Full, fds: arg0},
	linux.SYS_RECVFROM:    {where: Network, support: Full, fds: arg0},
	linux.SYS_SENDMSG:     {where: Network, support: Full, fds: arg0},
	linux.SYS_RECVMSG:     {where: Network, support: Full, fds: arg0},
	linux.SYS_SETSOCKOPT:  {where: Network, support: Partial, fds: arg0, note: "the options package net maps onto its stack"},
	linux.SYS_GETSOCKOPT:  {where: Network, support: Partial, fds: arg0, note: "the options package net maps onto its stack"},

	// epoll and eventfd (epoll.go)
	linux.SYS_EPOLL_CREATE:  {where: Kernel, support: Full, run: sysEpollCreate},
	linux.SYS_EPOLL_CREATE1: {where: Kernel, support: Full, run: sysEpollCreate, note: "always close-on-exec"},
	linux.SYS_EPOLL_CTL:     {where: Kernel, support: Partial, run: sysEpollCtl, note: "eventfds, sockets and interrupt fds; EPERM for files, as Linux for regular files"},
	linux.SYS_EPOLL_WAIT:    {where: Kernel, support: Full, run: sysEpollWait},
	linux.SYS_EPOLL_PWAIT:   {where: Kernel, support: Partial, run: sysEpollWait, note: "the signal mask is ignored"},
	linux.SYS_EVENTFD2:      {where: Kernel, support: Partial, run: sysEventfd2, note: "no EFD_SEMAPHORE"},

	// memory (memory.go)
	linux.SYS_MMAP:     {where: Kernel, support: Partial, run: sysMmap, note: "anonymous mappings only (ENODEV for files); MAP_SHARED is as MAP_PRIVATE in the one process"},
	linux.SYS_MUNMAP:   {where: Kernel, support: Full, run: sysMunmap},
	linux.SYS_MPROTECT: {where: Kernel, support: Full, run: sysMprotect},
	linux.SYS_MADVISE:  {where: Kernel, support: Partial, run: sysMadvise, note: "MADV_DONTNEED and MADV_FREE free the pages; other advice is ignored"},

	// threads and futexes (threads.go)
	linux.SYS_CLONE:             {where: Kernel, support: Partial, run: sysClone, note: "threads only (CLONE_VM|CLONE_THREAD): no fork"},
	linux.SYS_EXIT:              {where: Kernel, support: Full, run: sysExit, note: "the last thread's exit ends the program"},
	linux.SYS_EXIT_GROUP:        {where: Kernel, support: Full, run: sysExitGroup},
	linux.SYS_FUTEX:             {where: Kernel, support: Partial, run: sysFutex, note: "FUTEX_WAIT, FUTEX_WAKE and their _BITSET forms (bitsets ignored)"},
	linux.SYS_SCHED_YIELD:       {where: Kernel, support: Full, run: sysSchedYield},
	linux.SYS_SCHED_GETAFFINITY: {where: Kernel, support: Fixed, run: sysSchedGetaffinity, note: "one CPU"},
	linux.SYS_SCHED_SETAFFINITY: {where: Kernel, support: NoOp, run: zero, note: "ignored: one CPU"},
	linux.SYS_GETTID:            {where: Kernel, support: Full, run: sysGettid},
	linux.SYS_SET_TID_ADDRESS:   {where: Kernel, support: Partial, run: sysGettid, note: "returns the tid; the address is not cleared at exit"},

	// time (time.go)
	linux.SYS_NANOSLEEP:       {where: Kernel, support: Partial, run: sysNanosleep, note: "the remaining time is not written back"},
	linux.SYS_CLOCK_NANOSLEEP: {where: Kernel, support: Partial, run: sysClockNanosleep, note: "the remaining time is not written back"},
	linux.SYS_CLOCK_GETTIME:   {where: Kernel, support: Full, run: sysClockGettime, note: "realtime clocks (REALTIME, REALTIME_COARSE, TAI) or time since boot (the others)"},
	linux.SYS_CLOCK_GETRES:    {where: Kernel, support: Full, run: sysClockGetres, note: "1 ns"},
	linux.SYS_GETTIMEOFDAY:    {where: Kernel, support: Partial, run: sysGettimeofday, note: "no time zone"},
	linux.SYS_TIME:            {where: Kernel, support: Full, run: sysTime},

	// signals (signal.go)
	linux.SYS_RT_SIGACTION:   {where: Kernel, support: Full, run: sysRtSigaction},
	linux.SYS_RT_SIGPROCMASK: {where: Kernel, support: Full, run: sysRtSigprocmask},
	linux.SYS_RT_SIGRETURN:   {where: Kernel, support: Full, run: sysRtSigreturn},
	linux.SYS_SIGALTSTACK:    {where: Kernel, support: Full, run: sysSigaltstack},
	linux.SYS_TGKILL:         {where: Kernel, support: Full, run: sysTgkill},
	linux.SYS_TKILL:          {where: Kernel, support: Full, run: sysTkill},
	linux.SYS_KILL:           {where: Kernel, support: Partial, run: sysKill, note: "the one process (any pid): to any thread"},

	// process information (procinfo.go, random.go)
	linux.SYS_GETPID:     {where: Kernel, support: Fixed, run: one, note: "1"},
	linux.SYS_GETPPID:    {where: Kernel, support: Fixed, run: zero, note: "0"},
	linux.SYS_GETUID:     {where: Kernel, support: Fixed, run: zero, note: "0: root"},
	linux.SYS_GETGID:     {where: Kernel, support: Fixed, run: zero, note: "0: root"},
	linux.SYS_GETEUID:    {where: Kernel, support: Fixed, run: zero, note: "0: root"},
	linux.SYS_GETEGID:    {where: Kernel, support: Fixed, run: zero, note: "0: root"},
	linux.SYS_UNAME:      {where: Kernel, support: Fixed, run: sysUname, note: "Linux unigo 6.1.0-unigo x86_64"},
	linux.SYS_SYSINFO:    {where: Kernel, support: Partial, run: sysSysinfo, note: "uptime, RAM and threads; loads are 0, no swap"},
	linux.SYS_PRLIMIT64:  {where: Kernel, support: Partial, run: sysPrlimit64, note: "this process only; limits are kept but not enforced"},
	linux.SYS_GETRLIMIT:  {where: Kernel, support: Partial, run: sysGetrlimit, note: "limits are kept but not enforced"},
	linux.SYS_PRCTL:      {where: Kernel, support: NoOp, run: sysPrctl, note: "accepted and ignored; PR_SET_VMA is EINVAL (mappings are not named)"},
	linux.SYS_ARCH_PRCTL: {where: Kernel, support: Partial, run: sysArchPrctl, note: "ARCH_SET_FS and ARCH_GET_FS"},
	linux.SYS_GETRANDOM:  {where: Kernel, support: Full, run: sysGetrandom, note: "never blocks: flags ignored"},
}

// private is the table of unigo's own calls (kernel/abi/unigo), indexed
// by number - unigo.FirstPrivate.
var private = [unigo.LastPrivate - unigo.FirstPrivate + 1]row{
	unigo.SysServe - unigo.FirstPrivate:           {where: Kernel, support: Full, run: sysServe, note: "the file server's loop (handoff.go)"},
	unigo.SysTestKernelFault - unigo.FirstPrivate: {where: Kernel, support: Full, run: sysTestKernelFault, note: "makes the kernel fault, for tests"},
	unigo.SysDMAAlloc - unigo.FirstPrivate:        {where: Kernel, support: Full, run: sysDMAAlloc, note: "contiguous identity-mapped memory for devices"},
	unigo.SysIRQOpen - unigo.FirstPrivate:         {where: Kernel, support: Full, run: sysIRQOpen, note: "an interrupt line as a pollable fd"},
	unigo.SysNotify - unigo.FirstPrivate:          {where: Kernel, support: Full, run: sysNotify, note: "the network stack reports a socket's readiness"},
	unigo.SysSockAlloc - unigo.FirstPrivate:       {where: Kernel, support: Full, run: sysSockAlloc, note: "a socket handle for an accepted connection"},
	unigo.SysSockAddr - unigo.FirstPrivate:        {where: Kernel, support: Full, run: sysSockAddr, note: "caches a socket's addresses for getsockname, getpeername"},
	unigo.SysMapMMIO - unigo.FirstPrivate:         {where: Kernel, support: Full, run: sysMapMMIO, note: "maps a device's registers uncached"},
	unigo.SysAddEntropy - unigo.FirstPrivate:      {where: Kernel, support: Full, run: sysAddEntropy, note: "mixes device entropy into getrandom's generator"},
}

// privateNames names unigo's own calls (for -v and the unknown-call message).
var privateNames = [len(private)]string{
	"unigo_serve", "unigo_test_kernel_fault", "unigo_dma_alloc", "unigo_irq_open", "unigo_notify",
	"unigo_sock_alloc", "unigo_sock_addr", "unigo_map_mmio", "unigo_add_entropy",
}

// rowOf returns call n's row, or nil for a number outside both tables.
func rowOf(n uintptr) *row {
	if n < uintptr(len(calls)) {
		return &calls[n]
	}
	if i := n - unigo.FirstPrivate; i < uintptr(len(private)) {
		return &private[i]
	}
	return nil
}

// Name returns a syscall's name: Linux's, or unigo's own for its calls.
func Name(n uintptr) string {
	if i := n - unigo.FirstPrivate; i < uintptr(len(privateNames)) {
		return privateNames[i]
	}
	return linux.SyscallName(n)
}

// Dispatch runs the syscall in f (number in AX, arguments in DI, SI, DX,
// R10, R8, R9) and leaves the result in f.AX.
func Dispatch(f *trap.Frame) {
	nr := f.AX
	f.AX = dispatch(f, nr)
	if restart.pending {
		restartCall(f, nr)
	}
}

func dispatch(f *trap.Frame, n uintptr) uintptr {
	Stats.Syscalls++
	if n < uintptr(len(Stats.Calls)) {
		Stats.Calls[n]++
	}
	a := [6]uintptr{f.DI, f.SI, f.DX, f.R10, f.R8, f.R9}
	r := rowOf(n)
	switch {
	case r == nil || r.where == 0:
		return unknown(n)
	case r.run != nil:
		return r.run(f, a)
	}
	return route(n, r, a)
}

func unknown(n uintptr) uintptr {
	if n >= uintptr(len(warned)) || !warned[n] {
		if n < uintptr(len(warned)) {
			warned[n] = true
		}
		var b kfmt.Buf
		b.Str("unigo: unimplemented syscall ").Str(Name(n)).Str(" (").Udec(uint64(n)).Str("): ENOSYS\n")
		Console(2, b.Bytes())
	}
	return linux.ENOSYS.Ret()
}

// Handlers of fixed answers.
func zero(*trap.Frame, [6]uintptr) uintptr { return 0 }
func one(*trap.Frame, [6]uintptr) uintptr  { return 1 }

// Row is a read-only view of a table row, for docs/syscalls.md and tests.
type Row struct {
	Nr      uintptr
	Name    string
	Where   Where
	Support Support
	Note    string
}

// Rows lists the table, Linux calls first, by number. It allocates:
// host tools and tests only.
func Rows() []Row {
	var out []Row
	add := func(n uintptr, r *row) {
		if r.where != 0 {
			out = append(out, Row{Nr: n, Name: Name(n), Where: r.where, Support: r.support, Note: r.note})
		}
	}
	for n := range calls {
		add(uintptr(n), &calls[n])
	}
	for i := range private {
		add(uintptr(i)+unigo.FirstPrivate, &private[i])
	}
	return out
}

// whereNames names each combination of places (String cannot build
// strings: the table's types are linked into the kernel).
var whereNames = [8]string{"", "kernel", "file server", "kernel, file server", "network",
	"kernel, network", "file server, network", "kernel, file server, network"}

// String names the places a call runs: "kernel, file server".
func (w Where) String() string { return whereNames[w&7] }

func (s Support) String() string {
	switch s {
	case Full:
		return "full"
	case Partial:
		return "partial"
	case Fixed:
		return "fixed answer"
	case NoOp:
		return "no-op"
	}
	return "?"
}
