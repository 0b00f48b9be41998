package sys

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"unigo/kernel/abi/linux"

	"unigo/kernel/abi/unigo"
)

// syscalls lists the calls the kernel answered when it had its own
// constants for them (checked then against x/sys/unix): each must keep a
// row in the table, under its Linux name.
var syscalls = []struct {
	xname string // the constant in x/sys/unix
	nr    uintptr
}{
	{"SYS_READ", unix.SYS_READ},
	{"SYS_WRITE", unix.SYS_WRITE},
	{"SYS_CLOSE", unix.SYS_CLOSE},
	{"SYS_FSTAT", unix.SYS_FSTAT},
	{"SYS_MMAP", unix.SYS_MMAP},
	{"SYS_MPROTECT", unix.SYS_MPROTECT},
	{"SYS_MUNMAP", unix.SYS_MUNMAP},
	{"SYS_RT_SIGACTION", unix.SYS_RT_SIGACTION},
	{"SYS_RT_SIGPROCMASK", unix.SYS_RT_SIGPROCMASK},
	{"SYS_RT_SIGRETURN", unix.SYS_RT_SIGRETURN},
	{"SYS_IOCTL", unix.SYS_IOCTL},
	{"SYS_PREAD64", unix.SYS_PREAD64},
	{"SYS_WRITEV", unix.SYS_WRITEV},
	{"SYS_SCHED_YIELD", unix.SYS_SCHED_YIELD},
	{"SYS_MADVISE", unix.SYS_MADVISE},
	{"SYS_NANOSLEEP", unix.SYS_NANOSLEEP},
	{"SYS_GETPID", unix.SYS_GETPID},
	{"SYS_CLONE", unix.SYS_CLONE},
	{"SYS_EXIT", unix.SYS_EXIT},
	{"SYS_KILL", unix.SYS_KILL},
	{"SYS_UNAME", unix.SYS_UNAME},
	{"SYS_FCNTL", unix.SYS_FCNTL},
	{"SYS_GETCWD", unix.SYS_GETCWD},
	{"SYS_GETTIMEOFDAY", unix.SYS_GETTIMEOFDAY},
	{"SYS_GETRLIMIT", unix.SYS_GETRLIMIT},
	{"SYS_GETUID", unix.SYS_GETUID},
	{"SYS_GETGID", unix.SYS_GETGID},
	{"SYS_GETEUID", unix.SYS_GETEUID},
	{"SYS_GETEGID", unix.SYS_GETEGID},
	{"SYS_GETPPID", unix.SYS_GETPPID},
	{"SYS_SIGALTSTACK", unix.SYS_SIGALTSTACK},
	{"SYS_PRCTL", unix.SYS_PRCTL},
	{"SYS_ARCH_PRCTL", unix.SYS_ARCH_PRCTL},
	{"SYS_GETTID", unix.SYS_GETTID},
	{"SYS_TKILL", unix.SYS_TKILL},
	{"SYS_TIME", unix.SYS_TIME},
	{"SYS_FUTEX", unix.SYS_FUTEX},
	{"SYS_SCHED_SETAFFINITY", unix.SYS_SCHED_SETAFFINITY},
	{"SYS_SCHED_GETAFFINITY", unix.SYS_SCHED_GETAFFINITY},
	{"SYS_EPOLL_CREATE", unix.SYS_EPOLL_CREATE},
	{"SYS_SET_TID_ADDRESS", unix.SYS_SET_TID_ADDRESS},
	{"SYS_CLOCK_GETTIME", unix.SYS_CLOCK_GETTIME},
	{"SYS_CLOCK_GETRES", unix.SYS_CLOCK_GETRES},
	{"SYS_CLOCK_NANOSLEEP", unix.SYS_CLOCK_NANOSLEEP},
	{"SYS_EXIT_GROUP", unix.SYS_EXIT_GROUP},
	{"SYS_EPOLL_WAIT", unix.SYS_EPOLL_WAIT},
	{"SYS_EPOLL_CTL", unix.SYS_EPOLL_CTL},
	{"SYS_TGKILL", unix.SYS_TGKILL},
	{"SYS_OPENAT", unix.SYS_OPENAT},
	{"SYS_NEWFSTATAT", unix.SYS_NEWFSTATAT},
	{"SYS_READLINKAT", unix.SYS_READLINKAT},
	{"SYS_EPOLL_PWAIT", unix.SYS_EPOLL_PWAIT},
	{"SYS_EVENTFD2", unix.SYS_EVENTFD2},
	{"SYS_EPOLL_CREATE1", unix.SYS_EPOLL_CREATE1},
	{"SYS_PRLIMIT64", unix.SYS_PRLIMIT64},
	{"SYS_GETRANDOM", unix.SYS_GETRANDOM},
}

var errnos = []struct {
	name string
	got  linux.Errno
	want unix.Errno
}{
	{"EPERM", linux.EPERM, unix.EPERM},
	{"ENOENT", linux.ENOENT, unix.ENOENT},
	{"EINTR", linux.EINTR, unix.EINTR},
	{"EBADF", linux.EBADF, unix.EBADF},
	{"EAGAIN", linux.EAGAIN, unix.EAGAIN},
	{"ENOMEM", linux.ENOMEM, unix.ENOMEM},
	{"EFAULT", linux.EFAULT, unix.EFAULT},
	{"EEXIST", linux.EEXIST, unix.EEXIST},
	{"EINVAL", linux.EINVAL, unix.EINVAL},
	{"EMFILE", linux.EMFILE, unix.EMFILE},
	{"ENOTTY", linux.ENOTTY, unix.ENOTTY},
	{"ESPIPE", linux.ESPIPE, unix.ESPIPE},
	{"ENOSYS", linux.ENOSYS, unix.ENOSYS},
}

func TestSyscallNumbers(t *testing.T) {
	for _, c := range syscalls {
		want := strings.ToLower(strings.TrimPrefix(c.xname, "SYS_"))
		if got := Name(c.nr); got != want {
			t.Errorf("Name(unix.%s) = %q, want %q", c.xname, got, want)
		}
		if r := rowOf(c.nr); r == nil || r.where == 0 {
			t.Errorf("%s (%d) has no row in the table", want, c.nr)
		}
	}
}

func TestErrnos(t *testing.T) {
	for _, e := range errnos {
		if int(e.got) != int(e.want) {
			t.Errorf("%s = %d, want unix.%s = %d", e.name, e.got, e.name, int(e.want))
		}
		if got, want := e.got.Ret(), uintptr(-int(e.want)); got != want {
			t.Errorf("%s.Ret() = %#x, want %#x", e.name, got, want)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		n    uintptr
		want string
	}{
		{0, "read"},
		{231, "exit_group"},
		{unix.SYS_FUTEX, "futex"},
		{unix.SYS_CLONE3, "clone3"},
		{uintptr(linux.MaxSyscall), "unknown"},
		{unigo.SysServe, "unigo_serve"},
		{unigo.SysAddEntropy, "unigo_add_entropy"},
		{unigo.LastPrivate + 1, "unknown"},
		{1 << 20, "unknown"},
		{^uintptr(0), "unknown"},
	}
	for _, tt := range tests {
		if got := Name(tt.n); got != tt.want {
			t.Errorf("Name(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
