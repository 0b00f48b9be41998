package server

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"unigo/kernel"
	"unigo/kernel/cmdline"
	"unigo/kernel/sys"
	"unigo/kernel/vfs"
)

// The kernel's server goroutine: it runs the system calls that need full
// Go (see kernel/sys/handoff.go), in ordinary Go code on its own thread.

var (
	fileSystem *vfs.FS
	serverOnce sync.Once
	netHandler func(nr uintptr, a [6]uintptr) uintptr
)

// RegisterNet installs the handler of socket calls (package net does, at
// init): the server passes it every call whose number has sys.NetCall set,
// with the flag cleared and the socket's handle in a[0].
func RegisterNet(h func(nr uintptr, a [6]uintptr) uintptr) { netHandler = h }

// AddFile puts a read-only file into the root file system.
func AddFile(path string, data []byte) {
	if kernel.Booted() {
		startServer()
		fileSystem.AddFile(path, data)
	}
}

// Param returns the value of a "key=value" token of the kernel command
// line (unigo run passes -ip, -gw, -dns this way).
func Param(key string) (string, bool) {
	if !kernel.Booted() {
		return "", false
	}
	for _, tok := range strings.Fields(string(kernel.Cmdline())) {
		if v, ok := strings.CutPrefix(tok, key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// startServer starts the server goroutine; called from init, once the
// Go runtime runs.
func startServer() {
	serverOnce.Do(func() {
		fileSystem = vfs.New()
		sys.Cmdline = string(cmdline.Whole(kernel.Cmdline())) // for kernel/platform, from here on
		seedEntropy()
		mountShares()
		started := make(chan struct{})
		go serveLoop(started)
		<-started
	})
}

// SetRoot installs the root file system: a newc cpio archive packed by
// `unigo build -files DIR` (the generated package unigo/rootfs calls it).
func SetRoot(archive string) {
	if !kernel.Booted() {
		return
	}
	startServer()
	if err := fileSystem.LoadCpio(archive); err != nil {
		fmt.Fprintln(os.Stderr, "unigo: the image's root file system is unreadable:", err)
		os.Exit(kernel.ExitKernelFatal)
	}
}

func serveLoop(started chan<- struct{}) {
	runtime.LockOSThread() // this thread is the server's: the kernel wakes it by slot
	rec := new([sys.RecordLen]uint64)
	done, result := sys.NoRequest, uintptr(0)
	first := true
	for {
		if first {
			// The first SysServe registers this thread; announce after it.
			go func() { close(started) }()
			first = false
		}
		id, _, _ := syscall.Syscall(sys.SysServe, done, result, recordAddr(rec))
		done = id
		result = serveCall(uintptr(rec[1]), [6]uintptr{uintptr(rec[2]), uintptr(rec[3]), uintptr(rec[4]),
			uintptr(rec[5]), uintptr(rec[6]), uintptr(rec[7])})
	}
}

func errno(e vfs.Errno) uintptr { return uintptr(-int(e)) }

// Syscall numbers the server answers (the same as kernel/sys's).
const (
	nrRead       = 0
	nrWrite      = 1
	nrClose      = 3
	nrFstat      = 5
	nrLseek      = 8
	nrPread64    = 17
	nrPwrite64   = 18
	nrFtruncate  = 77
	nrGetcwd     = 79
	nrChdir      = 80
	nrFchdir     = 81
	nrGetdents64 = 217
	nrOpenat     = 257
	nrMkdirat    = 258
	nrNewfstatat = 262
	nrUnlinkat   = 263
	nrRenameat   = 264
	nrSymlinkat  = 266
	nrReadlinkat = 267
	nrFaccessat  = 269
	nrFaccessat2 = 439
	wOK          = 2
	eRANGE       = 34
	eNOSYS       = 38
	eAFNOSUPPORT = 97
)

// serveCall runs one file system call. Pointers in a are the calling
// program's: the server shares its address space.
func serveCall(nr uintptr, a [6]uintptr) uintptr {
	if nr&sys.NetCall != 0 {
		if netHandler == nil {
			return ^uintptr(eAFNOSUPPORT - 1)
		}
		return netHandler(nr&^sys.NetCall, a)
	}
	fs := fileSystem
	h := int(int32(a[0]))
	ret := func(n int, e vfs.Errno) uintptr {
		if e != vfs.OK {
			return errno(e)
		}
		return uintptr(n)
	}
	switch nr {
	case nrOpenat:
		return ret(fs.Open(h, cstring(a[1]), int(a[2]), uint32(a[3])))
	case nrRead:
		return ret(fs.Read(h, user(a[1], a[2]), -1))
	case nrPread64:
		if int64(a[3]) < 0 {
			return errno(vfs.EINVAL)
		}
		return ret(fs.Read(h, user(a[1], a[2]), int64(a[3])))
	case nrWrite:
		return ret(fs.Write(h, user(a[1], a[2]), -1))
	case nrPwrite64:
		if int64(a[3]) < 0 {
			return errno(vfs.EINVAL)
		}
		return ret(fs.Write(h, user(a[1], a[2]), int64(a[3])))
	case nrLseek:
		off, e := fs.Seek(h, int64(a[1]), int(a[2]))
		return ret(int(off), e)
	case nrClose:
		return ret(0, fs.Close(h))
	case nrFstat:
		return ret(0, fs.Fstat(h, user(a[1], vfs.StatLen)))
	case nrNewfstatat:
		return ret(0, fs.Stat(h, cstring(a[1]), int(a[3]), user(a[2], vfs.StatLen)))
	case nrGetdents64:
		return ret(fs.Getdents(h, user(a[1], a[2])))
	case nrMkdirat:
		return ret(0, fs.Mkdir(h, cstring(a[1]), uint32(a[2])))
	case nrUnlinkat:
		return ret(0, fs.Unlink(h, cstring(a[1]), int(a[2])))
	case nrRenameat:
		return ret(0, fs.Rename(h, cstring(a[1]), int(int32(a[2])), cstring(a[3])))
	case nrSymlinkat:
		return ret(0, fs.Symlink(cstring(a[0]), int(int32(a[1])), cstring(a[2])))
	case nrReadlinkat:
		target, e := fs.Readlink(h, cstring(a[1]))
		if e != vfs.OK {
			return errno(e)
		}
		return uintptr(copy(user(a[2], a[3]), target))
	case nrFaccessat, nrFaccessat2:
		return ret(0, fs.Access(h, cstring(a[1]), a[2]&wOK != 0))
	case nrChdir:
		return ret(0, fs.Chdir(cstring(a[0])))
	case nrFchdir:
		return ret(0, fs.Fchdir(h))
	case nrFtruncate:
		return ret(0, fs.Truncate(h, int64(a[1])))
	case nrGetcwd:
		wd := fs.Getwd()
		if uintptr(len(wd)+1) > a[1] {
			return ^uintptr(eRANGE - 1)
		}
		b := user(a[0], uintptr(len(wd)+1))
		copy(b, wd)
		b[len(wd)] = 0
		return uintptr(len(wd) + 1)
	}
	return ^uintptr(eNOSYS - 1)
}
