package server

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"unigo/kernel"
	"unigo/kernel/abi/linux"
	"unigo/kernel/abi/unigo"
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
// init): the server passes it every call whose number has unigo.NetCall set,
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
	rec := new([unigo.RecordLen]uint64)
	done, result := unigo.NoRequest, uintptr(0)
	first := true
	for {
		if first {
			// The first SysServe registers this thread; announce after it.
			go func() { close(started) }()
			first = false
		}
		id, _, _ := syscall.Syscall(unigo.SysServe, done, result, recordAddr(rec))
		done = id
		result = serveCall(uintptr(rec[1]), [6]uintptr{uintptr(rec[2]), uintptr(rec[3]), uintptr(rec[4]),
			uintptr(rec[5]), uintptr(rec[6]), uintptr(rec[7])})
	}
}

// h is a call's first argument as the server's handle (or AT_FDCWD).
func h(a [6]uintptr) int { return int(int32(a[0])) }

// fileCalls are the file server's handlers by syscall number: the rows
// of kernel/sys's table marked sys.FileServer (TestServerTable checks).
// Pointers in a are the calling program's: the server shares its
// address space.
var fileCalls = map[uintptr]func(fs *vfs.FS, a [6]uintptr) uintptr{
	linux.SYS_OPENAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return linux.Result(fs.Open(h(a), cstring(a[1]), int(a[2]), uint32(a[3])))
	},
	linux.SYS_READ: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return linux.Result(fs.Read(h(a), user(a[1], a[2]), -1))
	},
	linux.SYS_PREAD64: func(fs *vfs.FS, a [6]uintptr) uintptr {
		if int64(a[3]) < 0 {
			return linux.EINVAL.Ret()
		}
		return linux.Result(fs.Read(h(a), user(a[1], a[2]), int64(a[3])))
	},
	linux.SYS_WRITE: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return linux.Result(fs.Write(h(a), user(a[1], a[2]), -1))
	},
	linux.SYS_PWRITE64: func(fs *vfs.FS, a [6]uintptr) uintptr {
		if int64(a[3]) < 0 {
			return linux.EINVAL.Ret()
		}
		return linux.Result(fs.Write(h(a), user(a[1], a[2]), int64(a[3])))
	},
	linux.SYS_LSEEK: func(fs *vfs.FS, a [6]uintptr) uintptr {
		off, e := fs.Seek(h(a), int64(a[1]), int(a[2]))
		return linux.Result(int(off), e)
	},
	linux.SYS_CLOSE: func(fs *vfs.FS, a [6]uintptr) uintptr { return fs.Close(h(a)).Ret() },
	linux.SYS_FSTAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Fstat(h(a), user(a[1], linux.SizeofStat)).Ret()
	},
	linux.SYS_NEWFSTATAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Stat(h(a), cstring(a[1]), int(a[3]), user(a[2], linux.SizeofStat)).Ret()
	},
	linux.SYS_GETDENTS64: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return linux.Result(fs.Getdents(h(a), user(a[1], a[2])))
	},
	linux.SYS_MKDIRAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Mkdir(h(a), cstring(a[1]), uint32(a[2])).Ret()
	},
	linux.SYS_UNLINKAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Unlink(h(a), cstring(a[1]), int(a[2])).Ret()
	},
	linux.SYS_RENAMEAT:  rename,
	linux.SYS_RENAMEAT2: rename, // the kernel lets no flags through
	linux.SYS_SYMLINKAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Symlink(cstring(a[0]), int(int32(a[1])), cstring(a[2])).Ret()
	},
	linux.SYS_READLINKAT: func(fs *vfs.FS, a [6]uintptr) uintptr {
		target, e := fs.Readlink(h(a), cstring(a[1]))
		if e != 0 {
			return e.Ret()
		}
		return uintptr(copy(user(a[2], a[3]), target))
	},
	linux.SYS_FACCESSAT:  access,
	linux.SYS_FACCESSAT2: access,
	linux.SYS_CHDIR: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Chdir(cstring(a[0])).Ret()
	},
	linux.SYS_FCHDIR: func(fs *vfs.FS, a [6]uintptr) uintptr { return fs.Fchdir(h(a)).Ret() },
	linux.SYS_FTRUNCATE: func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Truncate(h(a), int64(a[1])).Ret()
	},
	linux.SYS_GETCWD: func(fs *vfs.FS, a [6]uintptr) uintptr {
		wd := fs.Getwd()
		if uintptr(len(wd)+1) > a[1] {
			return linux.ERANGE.Ret()
		}
		b := user(a[0], uintptr(len(wd)+1))
		copy(b, wd)
		b[len(wd)] = 0
		return uintptr(len(wd) + 1)
	},
}

// rename and access serve two numbers each. They are func literals, as
// all the handlers: the trap-context test (qemu/trapcontext_test.go)
// skips the closures of package kernel's init, which are ordinary Go,
// and would flag a top-level func of package kernel that allocates.
var (
	rename = func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Rename(h(a), cstring(a[1]), int(int32(a[2])), cstring(a[3])).Ret()
	}
	access = func(fs *vfs.FS, a [6]uintptr) uintptr {
		return fs.Access(h(a), cstring(a[1]), a[2]&linux.W_OK != 0).Ret()
	}
)

// serveCall runs one handed-off call: a socket call in package net, a
// file system call here.
func serveCall(nr uintptr, a [6]uintptr) uintptr {
	if nr&unigo.NetCall != 0 {
		if netHandler == nil {
			return linux.EAFNOSUPPORT.Ret()
		}
		return netHandler(nr&^unigo.NetCall, a)
	}
	if call, ok := fileCalls[nr]; ok {
		return call(fileSystem, a)
	}
	return linux.ENOSYS.Ret()
}
