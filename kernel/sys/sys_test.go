package sys

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// syscalls pairs each sys* constant of sys.go with x/sys/unix's.
var syscalls = []struct {
	name  string // the constant here
	got   uintptr
	xname string // the constant in x/sys/unix
	want  uintptr
}{
	{"sysRead", sysRead, "SYS_READ", unix.SYS_READ},
	{"sysWrite", sysWrite, "SYS_WRITE", unix.SYS_WRITE},
	{"sysClose", sysClose, "SYS_CLOSE", unix.SYS_CLOSE},
	{"sysFstat", sysFstat, "SYS_FSTAT", unix.SYS_FSTAT},
	{"sysMmap", sysMmap, "SYS_MMAP", unix.SYS_MMAP},
	{"sysMprotect", sysMprotect, "SYS_MPROTECT", unix.SYS_MPROTECT},
	{"sysMunmap", sysMunmap, "SYS_MUNMAP", unix.SYS_MUNMAP},
	{"sysRtSigaction", sysRtSigaction, "SYS_RT_SIGACTION", unix.SYS_RT_SIGACTION},
	{"sysRtSigprocmask", sysRtSigprocmask, "SYS_RT_SIGPROCMASK", unix.SYS_RT_SIGPROCMASK},
	{"sysRtSigreturn", sysRtSigreturn, "SYS_RT_SIGRETURN", unix.SYS_RT_SIGRETURN},
	{"sysIoctl", sysIoctl, "SYS_IOCTL", unix.SYS_IOCTL},
	{"sysPread64", sysPread64, "SYS_PREAD64", unix.SYS_PREAD64},
	{"sysWritev", sysWritev, "SYS_WRITEV", unix.SYS_WRITEV},
	{"sysSchedYield", sysSchedYield, "SYS_SCHED_YIELD", unix.SYS_SCHED_YIELD},
	{"sysMadvise", sysMadvise, "SYS_MADVISE", unix.SYS_MADVISE},
	{"sysNanosleep", sysNanosleep, "SYS_NANOSLEEP", unix.SYS_NANOSLEEP},
	{"sysGetpid", sysGetpid, "SYS_GETPID", unix.SYS_GETPID},
	{"sysClone", sysClone, "SYS_CLONE", unix.SYS_CLONE},
	{"sysExit", sysExit, "SYS_EXIT", unix.SYS_EXIT},
	{"sysKill", sysKill, "SYS_KILL", unix.SYS_KILL},
	{"sysUname", sysUname, "SYS_UNAME", unix.SYS_UNAME},
	{"sysFcntl", sysFcntl, "SYS_FCNTL", unix.SYS_FCNTL},
	{"sysGetcwd", sysGetcwd, "SYS_GETCWD", unix.SYS_GETCWD},
	{"sysGettimeofday", sysGettimeofday, "SYS_GETTIMEOFDAY", unix.SYS_GETTIMEOFDAY},
	{"sysGetrlimit", sysGetrlimit, "SYS_GETRLIMIT", unix.SYS_GETRLIMIT},
	{"sysGetuid", sysGetuid, "SYS_GETUID", unix.SYS_GETUID},
	{"sysGetgid", sysGetgid, "SYS_GETGID", unix.SYS_GETGID},
	{"sysGeteuid", sysGeteuid, "SYS_GETEUID", unix.SYS_GETEUID},
	{"sysGetegid", sysGetegid, "SYS_GETEGID", unix.SYS_GETEGID},
	{"sysGetppid", sysGetppid, "SYS_GETPPID", unix.SYS_GETPPID},
	{"sysSigaltstack", sysSigaltstack, "SYS_SIGALTSTACK", unix.SYS_SIGALTSTACK},
	{"sysPrctl", sysPrctl, "SYS_PRCTL", unix.SYS_PRCTL},
	{"sysArchPrctl", sysArchPrctl, "SYS_ARCH_PRCTL", unix.SYS_ARCH_PRCTL},
	{"sysGettid", sysGettid, "SYS_GETTID", unix.SYS_GETTID},
	{"sysTkill", sysTkill, "SYS_TKILL", unix.SYS_TKILL},
	{"sysTime", sysTime, "SYS_TIME", unix.SYS_TIME},
	{"sysFutex", sysFutex, "SYS_FUTEX", unix.SYS_FUTEX},
	{"sysSchedSetaff", sysSchedSetaff, "SYS_SCHED_SETAFFINITY", unix.SYS_SCHED_SETAFFINITY},
	{"sysSchedGetaffinity", sysSchedGetaffinity, "SYS_SCHED_GETAFFINITY", unix.SYS_SCHED_GETAFFINITY},
	{"sysEpollCreate", sysEpollCreate, "SYS_EPOLL_CREATE", unix.SYS_EPOLL_CREATE},
	{"sysSetTidAddress", sysSetTidAddress, "SYS_SET_TID_ADDRESS", unix.SYS_SET_TID_ADDRESS},
	{"sysClockGettime", sysClockGettime, "SYS_CLOCK_GETTIME", unix.SYS_CLOCK_GETTIME},
	{"sysClockGetres", sysClockGetres, "SYS_CLOCK_GETRES", unix.SYS_CLOCK_GETRES},
	{"sysClockNanosleep", sysClockNanosleep, "SYS_CLOCK_NANOSLEEP", unix.SYS_CLOCK_NANOSLEEP},
	{"sysExitGroup", sysExitGroup, "SYS_EXIT_GROUP", unix.SYS_EXIT_GROUP},
	{"sysEpollWait", sysEpollWait, "SYS_EPOLL_WAIT", unix.SYS_EPOLL_WAIT},
	{"sysEpollCtl", sysEpollCtl, "SYS_EPOLL_CTL", unix.SYS_EPOLL_CTL},
	{"sysTgkill", sysTgkill, "SYS_TGKILL", unix.SYS_TGKILL},
	{"sysOpenat", sysOpenat, "SYS_OPENAT", unix.SYS_OPENAT},
	{"sysNewfstatat", sysNewfstatat, "SYS_NEWFSTATAT", unix.SYS_NEWFSTATAT},
	{"sysReadlinkat", sysReadlinkat, "SYS_READLINKAT", unix.SYS_READLINKAT},
	{"sysEpollPwait", sysEpollPwait, "SYS_EPOLL_PWAIT", unix.SYS_EPOLL_PWAIT},
	{"sysEventfd2", sysEventfd2, "SYS_EVENTFD2", unix.SYS_EVENTFD2},
	{"sysEpollCreate1", sysEpollCreate1, "SYS_EPOLL_CREATE1", unix.SYS_EPOLL_CREATE1},
	{"sysPrlimit64", sysPrlimit64, "SYS_PRLIMIT64", unix.SYS_PRLIMIT64},
	{"sysGetrandom", sysGetrandom, "SYS_GETRANDOM", unix.SYS_GETRANDOM},
}

var errnos = []struct {
	name string
	got  int
	want unix.Errno
}{
	{"EPERM", EPERM, unix.EPERM},
	{"ENOENT", ENOENT, unix.ENOENT},
	{"EINTR", EINTR, unix.EINTR},
	{"EBADF", EBADF, unix.EBADF},
	{"EAGAIN", EAGAIN, unix.EAGAIN},
	{"ENOMEM", ENOMEM, unix.ENOMEM},
	{"EFAULT", EFAULT, unix.EFAULT},
	{"EEXIST", EEXIST, unix.EEXIST},
	{"EINVAL", EINVAL, unix.EINVAL},
	{"EMFILE", EMFILE, unix.EMFILE},
	{"ENOTTY", ENOTTY, unix.ENOTTY},
	{"ESPIPE", ESPIPE, unix.ESPIPE},
	{"ENOSYS", ENOSYS, unix.ENOSYS},
}

// constNames returns the names of sys.go's constants that match re.
func constNames(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "sys.go", nil, 0)
	if err != nil {
		t.Fatalf("parsing sys.go: %v", err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				if re.MatchString(n.Name) {
					names = append(names, n.Name)
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

func TestSyscallNumbers(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range syscalls {
		listed[c.name] = true
		if c.got != c.want {
			t.Errorf("%s = %d, want unix.%s = %d", c.name, c.got, c.xname, c.want)
		}
		want := strings.ToLower(strings.TrimPrefix(c.xname, "SYS_"))
		if got := names[c.want]; got != want {
			t.Errorf("names[%d] = %q, want %q", c.want, got, want)
		}
		if got := Name(c.got); got != want {
			t.Errorf("Name(%s) = %q, want %q", c.name, got, want)
		}
	}
	for _, n := range constNames(t, regexp.MustCompile(`^sys[A-Z]`)) {
		if !listed[n] {
			t.Errorf("sys.go declares %s, which this test does not check against x/sys/unix: add it to syscalls", n)
		}
	}
	if len(syscalls) != len(listed) {
		t.Errorf("syscalls has %d entries for %d names, want no duplicates", len(syscalls), len(listed))
	}
}

func TestErrnos(t *testing.T) {
	listed := map[string]bool{}
	for _, e := range errnos {
		listed[e.name] = true
		if e.got != int(e.want) {
			t.Errorf("%s = %d, want unix.%s = %d", e.name, e.got, e.name, int(e.want))
		}
		if got, want := errno(e.got), uintptr(-int(e.want)); got != want {
			t.Errorf("errno(%s) = %#x, want %#x", e.name, got, want)
		}
	}
	for _, n := range constNames(t, regexp.MustCompile(`^E[A-Z0-9]+$`)) {
		if !listed[n] {
			t.Errorf("sys.go declares %s, which this test does not check against x/sys/unix: add it to errnos", n)
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
		{uintptr(len(names)), "unknown"},
		{1 << 20, "unknown"},
		{^uintptr(0), "unknown"},
	}
	for _, tt := range tests {
		if got := Name(tt.n); got != tt.want {
			t.Errorf("Name(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
