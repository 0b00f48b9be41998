package qemu_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The boot tests drive the unigo CLI exactly as users do: build images of
// real Go programs once (TestMain), boot them in QEMU (KVM when /dev/kvm
// opens, TCG otherwise; UNIGO_ACCEL=kvm|tcg forces one), and check what
// comes out: stdout, stderr, exit status.

var (
	work     string
	unigoBin string
	images   = map[string]string{} // program name -> image path
	natives  = map[string]string{} // program name -> Linux executable
	accel    = "auto"
)

// programs to build, relative to this directory.
var programs = map[string]string{
	"hello":    "../app/hello",
	"exit":     "./testdata/exit",
	"panic":    "./testdata/panic",
	"argsenv":  "./testdata/argsenv",
	"streams":  "./testdata/streams",
	"sleep":    "./testdata/sleep",
	"stress":   "./testdata/stress",
	"forever":  "./testdata/forever",
	"nilderef": "./testdata/nilderef",
	"preempt":  "./testdata/preempt",
	"faults":   "./testdata/faults",
	"oom":      "./testdata/oom",
	"freemem":  "./testdata/freemem",
	"files":    "./testdata/files",
	"latency":  "./testdata/latency",
	"sigdfl":   "./testdata/sigdfl",
	"kfault":   "./testdata/kernelfault",
	"httpd":    "../app/httpd",
	"netcheck": "./testdata/netcheck",
	"epoll":    "./testdata/epoll",
	"share":    "./testdata/share",
	"random":   "./testdata/random",
}

// buildFlags are extra unigo build flags per program.
var buildFlags = map[string][]string{
	"files": {"-files", "./testdata/files/root"},
	"httpd": {"-files", "../app/httpd"},
}

func TestMain(m *testing.M) {
	if addr := os.Getenv(tapServerEnv); addr != "" {
		tapServe(addr) // this process is the host side of TestTapChecksumOffload
	}
	if a := os.Getenv("UNIGO_ACCEL"); a != "" {
		accel = a
	}
	var err error
	if work, err = os.MkdirTemp("", "unigo-boot-test-"); err != nil {
		panic(err)
	}
	code := setup()
	if code == 0 {
		code = m.Run()
	}
	os.RemoveAll(work)
	os.Exit(code)
}

func setup() int {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		fmt.Fprintln(os.Stderr, "boot tests need QEMU: apt-get install -y qemu-system-x86 (make test does this)")
		return 1
	}
	unigoBin = filepath.Join(work, "unigo")
	if out, err := exec.Command("go", "build", "-o", unigoBin, "../tools/unigo").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building unigo: %v\n%s", err, out)
		return 1
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	failed := false
	for name, dir := range programs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			img := filepath.Join(work, name+".img")
			nat := filepath.Join(work, name+".linux")
			args := append(append([]string{"build"}, buildFlags[name]...), "-o", img, dir)
			out, err := exec.Command(unigoBin, args...).CombinedOutput()
			if err == nil && name != "freemem" { // freemem needs the kernel's statistics
				var o2 []byte
				cmd := exec.Command("go", "build", "-o", nat, dir)
				cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
				o2, err = cmd.CombinedOutput()
				out = append(out, o2...)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintf(os.Stderr, "building %s: %v\n%s", name, err, out)
				failed = true
			}
			images[name], natives[name] = img, nat
		}()
	}
	wg.Wait()
	if failed {
		return 1
	}
	return 0
}

type result struct {
	stdout, stderr string
	code           int
}

// unigo runs the CLI with a hard timeout.
func unigo(t *testing.T, args ...string) result {
	t.Helper()
	return execute(t, 3*time.Minute, nil, unigoBin, args...)
}

// boot runs an image with the default machine and the test accelerator.
func boot(t *testing.T, name string, flags []string, args ...string) result {
	t.Helper()
	a := append([]string{"run", "-accel", accel, "-timeout", "120s"}, flags...)
	a = append(a, images[name])
	if len(args) > 0 {
		a = append(append(a, "--"), args...)
	}
	return unigo(t, a...)
}

// native runs the same program as a Linux process.
func native(t *testing.T, name string, env []string, args ...string) result {
	t.Helper()
	if env == nil {
		env = []string{} // the guest's environment: only what the test gives
	}
	return execute(t, time.Minute, env, natives[name], args...)
}

// execute runs a command with a hard timeout (env nil: inherited) and
// returns what it printed and its status.
func execute(t *testing.T, limit time.Duration, env []string, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: no answer within %v\nstderr: %s", bin, args, limit, e.String())
	}
	r := result{o.String(), e.String(), 0}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return r
}
func TestHelloMatchesLinux(t *testing.T) {
	got := boot(t, "hello", nil)
	want := native(t, "hello", nil)
	if got != want {
		t.Errorf("unigo run hello = %+v\nwant (as a Linux process) %+v", got, want)
	}
	if !strings.HasPrefix(got.stdout, "Hello from unigo!\n") {
		t.Errorf("hello stdout = %q, want it to start with the greeting", got.stdout)
	}
}

func TestBootProtocols(t *testing.T) {
	for _, c := range []struct {
		flags     []string
		milestone string
	}{
		{[]string{"-machine", "microvm"}, "boot-pvh"},
		{[]string{"-machine", "q35"}, "boot-pvh"},
		{[]string{"-machine", "pc", "-boot", "multiboot"}, "boot-multiboot"},
		{[]string{"-machine", "q35", "-boot", "multiboot"}, "boot-multiboot"},
	} {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			r := boot(t, "hello", append([]string{"-v"}, c.flags...))
			if r.code != 0 || !strings.HasPrefix(r.stdout, "Hello from unigo!") {
				t.Fatalf("boot = exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			for _, m := range []string{c.milestone, "memory", "clock", "kernel-ready", "main", "exit 0"} {
				if !strings.Contains(r.stderr, " "+m) {
					t.Errorf("-v output lacks milestone %q:\n%s", m, r.stderr)
				}
			}
		})
	}
}

// TestExitStatus: the guest's status passes through unigo run untouched,
// also where it equals one of unigo's own (125, 126, 127 and 137 are
// unigo's only when unigo or the kernel reports them on stderr).
func TestExitStatus(t *testing.T) {
	for _, n := range []int{0, 7, 1, 2, 100, 125, 255} {
		r := boot(t, "exit", nil, strconv.Itoa(n))
		if r.code != n || r.stdout != fmt.Sprintf("exiting with %d\n", n) {
			t.Errorf("exit %d: status %d, stdout %q, stderr %q", n, r.code, r.stdout, r.stderr)
		}
	}
}

func TestPanicExitsTwo(t *testing.T) {
	r := boot(t, "panic", nil)
	if r.code != 2 {
		t.Errorf("panic: status %d, want 2; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"panic: boom", "goroutine 1 [running]:", "main.deep(", "main.main()"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("panic stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// The whole trace has Linux's shape: same frames, files and lines;
	// only addresses and offsets differ (the kernel is linked in).
	n := native(t, "panic", nil)
	hex := regexp.MustCompile(`0x[0-9a-f]+`)
	if got, want := hex.ReplaceAllString(r.stderr, "X"), hex.ReplaceAllString(n.stderr, "X"); got != want {
		t.Errorf("panic trace in unigo:\n%s\nas a Linux process:\n%s", got, want)
	}
}

func TestArgsAndEnv(t *testing.T) {
	args := []string{"plain", "with space", `quote"s`, "per%cent", "ünïcödé", "a,b", ""}
	r := boot(t, "argsenv", []string{"-e", "FOO=bar baz=qux", "-e", "EMPTY="}, args...)
	want := native(t, "argsenv", []string{"FOO=bar baz=qux", "EMPTY="}, args...)
	if r != want {
		t.Errorf("argsenv in unigo = %+v\nas a Linux process = %+v", r, want)
	}
}

func TestStdoutStderrSeparate(t *testing.T) {
	r := boot(t, "streams", nil)
	if r.stdout != "out 0\nout 1\nout 2\n" || r.stderr != "err 0\nerr 1\nerr 2\n" || r.code != 0 {
		t.Errorf("streams = stdout %q, stderr %q, status %d", r.stdout, r.stderr, r.code)
	}
}

func TestSleepAccuracy(t *testing.T) {
	r := boot(t, "sleep", nil)
	m := regexp.MustCompile(`median_us=(\d+) min_us=(\d+)\nsleep50_us=(\d+)\nyear=(\d+)`).FindStringSubmatch(r.stdout)
	if m == nil || r.code != 0 {
		t.Fatalf("sleep output %q, stderr %q", r.stdout, r.stderr)
	}
	median, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	s50, _ := strconv.Atoi(m[3])
	year, _ := strconv.Atoi(m[4])
	// time.Sleep(1ms) must take 1-2 ms (no 10 ms tick); TCG adds
	// emulation overhead, so allow it 3 ms.
	// One 50 ms sleep is a single sample: under TCG a busy host (make
	// test builds other packages meanwhile) has delayed it by 14 ms once,
	// so TCG gets 20 ms of slack; the 1 ms median above already catches
	// a periodic tick there.
	limit, limit50 := 2000, 60000
	if r2 := boot(t, "hello", []string{"-v"}); strings.Contains(r2.stderr, "-accel tcg") {
		limit, limit50 = 3000, 70000
	}
	if min < 1000 || median > limit {
		t.Errorf("time.Sleep(1ms): median %dus, min %dus; want within [1000, %d]us", median, min, limit)
	}
	if s50 < 50000 || s50 > limit50 {
		t.Errorf("time.Sleep(50ms) took %dus, want within [50000, %d]us", s50, limit50)
	}
	if year < 2024 {
		t.Errorf("wall clock year %d: the RTC was not read", year)
	}
}

func TestGoroutineGCStress(t *testing.T) {
	r := boot(t, "stress", []string{"-m", "256"})
	if r.code != 0 || !strings.HasPrefix(r.stdout, "workers=500 gc=true") {
		t.Errorf("stress = status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestTimeoutKillsGuest(t *testing.T) {
	start := time.Now()
	r := unigo(t, "run", "-accel", accel, "-timeout", "3s", images["forever"])
	if r.code != 124 || r.stdout != "running forever\n" || !strings.Contains(r.stderr, "timeout") {
		t.Errorf("forever with -timeout 3s = status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("-timeout 3s took %v", d)
	}
}

// TestNilDereferenceIsAGoPanic: the page fault becomes SIGSEGV with
// SEGV_MAPERR and si_addr 0, delivered to the runtime's handler, which
// panics exactly as on Linux.
func TestNilDereferenceIsAGoPanic(t *testing.T) {
	r := boot(t, "nilderef", nil)
	n := native(t, "nilderef", nil)
	if r.code != 2 || n.code != 2 || r.stdout != n.stdout {
		t.Errorf("nil dereference: status %d (Linux %d), stdout %q (Linux %q)", r.code, n.code, r.stdout, n.stdout)
	}
	lines := func(s string) []string { return strings.SplitN(s, "\n", 6)[:5] }
	// Same message, signal line (code=0x1 addr=0x0; pc differs: other binary), and trace shape.
	re := regexp.MustCompile(`pc=0x[0-9a-f]+|\+0x[0-9a-f]+|\(0x[0-9a-f?]+\)`)
	got, want := lines(re.ReplaceAllString(r.stderr, "X")), lines(re.ReplaceAllString(n.stderr, "X"))
	for i := range want {
		if got[i] != want[i] && !strings.Contains(want[i], "/") {
			t.Errorf("stderr line %d = %q, Linux prints %q", i, got[i], want[i])
		}
	}
	for _, w := range []string{"invalid memory address or nil pointer dereference", "code=0x1 addr=0x0", "main.crash(", "nilderef/main.go:9"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
}

// TestFaultsRecover: nil dereference, integer division by zero, a write
// to read-only data and an index out of range each become a recoverable
// Go panic with Linux's message.
func TestFaultsRecover(t *testing.T) {
	r := boot(t, "faults", nil)
	n := native(t, "faults", nil)
	if r != n {
		t.Errorf("faults in unigo = %+v\nas a Linux process = %+v", r, n)
	}
	if !strings.HasSuffix(r.stdout, "all recovered\n") {
		t.Errorf("faults stdout = %q", r.stdout)
	}
}

// TestWriteToReadOnlyData: the image's rodata is mapped read-only, and a
// write to it is SIGSEGV with SEGV_ACCERR, fatal to Go as on Linux.
func TestWriteToReadOnlyData(t *testing.T) {
	r := boot(t, "faults", nil, "rodata")
	n := native(t, "faults", nil, "rodata")
	re := regexp.MustCompile(`0x[0-9a-f]+`)
	first := func(s string) string {
		return re.ReplaceAllString(strings.Join(strings.SplitN(s, "\n", 4)[:3], "\n"), "X")
	}
	if r.code != 2 || first(r.stderr) != first(n.stderr) {
		t.Errorf("rodata write: status %d, stderr starts\n%s\nLinux (status %d):\n%s", r.code, first(r.stderr), n.code, first(n.stderr))
	}
	if !strings.Contains(r.stderr, "code=0x2") {
		t.Errorf("rodata write: want SEGV_ACCERR (code=0x2):\n%s", r.stderr)
	}
}

// TestAsyncPreemption: a call-free loop does not starve main with GOMAXPROCS=1.
func TestAsyncPreemption(t *testing.T) {
	r := unigo(t, "run", "-accel", accel, "-timeout", "60s", images["preempt"])
	if r.code != 0 || r.stdout != "main ran again: preempted\n" {
		t.Errorf("preempt = status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestKilledBySignal: a fault with no handler kills the program as on
// Linux (status 128+11), with a register dump, the faulting instruction
// decoded and the stack symbolised.
func TestKilledBySignal(t *testing.T) {
	r := boot(t, "sigdfl", nil)
	n := native(t, "sigdfl", nil)
	if r.code != 139 || r.stdout != "about to crash\n" || n.code != -1 {
		t.Errorf("sigdfl = status %d (Linux: killed, %d), stdout %q", r.code, n.code, r.stdout)
	}
	for _, want := range []string{"program killed by signal 11 (SIGSEGV)", "rip=", "faulting instruction: MOVQ",
		"main.crash", "sigdfl/main.go:14", "main.main"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestKernelFaultIsFatal: a fault in the kernel itself stops the guest
// with status 137 (128+SIGKILL) and a symbolised kernel stack.
func TestKernelFaultIsFatal(t *testing.T) {
	r := boot(t, "kfault", nil)
	if r.code != 137 || r.stdout != "asking the kernel to fault\n" {
		t.Errorf("kernelfault = status %d, stdout %q", r.code, r.stdout)
	}
	for _, want := range []string{"fatal kernel error: page fault in the kernel", "faulting instruction:",
		"unigo/kernel/sys.crashForTest", "unigo/kernel/sys.Dispatch"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestBadInput(t *testing.T) {
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hello\n"), 0o644)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"text file", []string{"run", text}, 126, "not a unigo image"},
		{"linux binary", []string{"run", natives["hello"]}, 126, "not a unigo image"},
		{"missing file", []string{"run", filepath.Join(t.TempDir(), "nope.img")}, 126, "no such file"},
		{"bad flag", []string{"run", "-bogus", images["hello"]}, 125, "unigo run: flag provided but not defined: -bogus\nRun 'unigo run -h' for usage.\n"},
		{"bad flag value", []string{"run", "-m", "x", images["hello"]}, 125, "unigo run: -m: invalid value \"x\": not a number of MiB\nRun 'unigo run -h' for usage.\n"},
		{"bad build flag", []string{"build", "-bogus", "."}, 125, "unigo build: flag provided but not defined: -bogus\nRun 'unigo build -h' for usage.\n"},
		{"no image", []string{"run"}, 125, "no IMAGE given"},
		{"bad machine", []string{"run", "-machine", "vax", images["hello"]}, 125, "unknown machine"},
		{"unknown nic", []string{"run", "-nic", "ne2000", images["hello"]}, 125, "unknown -nic ne2000"},
		{"e1000 on microvm", []string{"run", "-nic", "e1000", images["hello"]}, 125, "needs -machine pc or q35"},
		{"bad mac", []string{"run", "-mac", "zz", images["hello"]}, 125, "bad -mac"},
		{"bad port forward", []string{"run", "-p", "99999:80", images["hello"]}, 125, "bad port"},
		{"no command", []string{"frobnicate"}, 125, "unknown command"},
		{"broken program", []string{"build", "-o", filepath.Join(t.TempDir(), "b.img"), "./testdata/broken"}, 125, "undefined: undefinedFunction"},
		{"not main", []string{"build", "../kernel/kfmt"}, 125, "not a main package"},
		{"cannot write image", []string{"build", "-o", filepath.Join(t.TempDir(), "no", "dir", "x.img"), "../app/hello"}, 125, "no such file or directory"},
		{"no QEMU", []string{"run", images["hello"]}, 127, "apt-get install -y qemu-system-x86"},
	} {
		if c.name == "no QEMU" {
			// A PATH without qemu-system-x86_64: unigo looks QEMU up through PATH.
			t.Setenv("PATH", t.TempDir())
		}
		r := unigo(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: status %d, stderr %q; want %d and %q", c.name, r.code, r.stderr, c.code, c.want)
		}
		// A bad flag is one line and a hint, not the whole usage.
		if strings.HasPrefix(c.name, "bad") && strings.HasSuffix(c.want, "\n") && r.stderr != c.want {
			t.Errorf("%s: stderr %q, want exactly %q", c.name, r.stderr, c.want)
		}
	}
}

// TestHelp: -h prints usage on stdout, nothing on stderr, and exits 0.
func TestHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "unigo run [flags] IMAGE"},
		{[]string{"help"}, "unigo run [flags] IMAGE"},
		{[]string{"build", "-h"}, "-files DIR"},
		{[]string{"run", "-h"}, "-timeout duration"},
		{[]string{"run", "-help"}, "-share HOST[:GUEST]"},
	} {
		r := unigo(t, c.args...)
		if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "usage:") || !strings.Contains(r.stdout, c.want) {
			t.Errorf("unigo %v: status %d, stderr %q, stdout %q; want 0 and usage with %q on stdout", c.args, r.code, r.stderr, r.stdout, c.want)
		}
	}
}

// TestBuildTargets builds the same program given in every form a TARGET
// can take, including from another module and from no module at all.
func TestBuildTargets(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/streams/main.go")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "othermod")
	os.MkdirAll(filepath.Join(other, "cmd", "app"), 0o755)
	os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/othermod\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(other, "cmd", "app", "main.go"), src, 0o644)
	loose := filepath.Join(dir, "loose")
	os.MkdirAll(loose, 0o755)
	os.WriteFile(filepath.Join(loose, "main.go"), src, 0o644)
	abs, _ := filepath.Abs("testdata/streams")

	for _, c := range []struct {
		name, cwd string
		target    []string
	}{
		{"import path", ".", []string{"unigo/qemu/testdata/streams"}},
		{"directory in this module", ".", []string{abs}},
		{"file list", ".", []string{filepath.Join(abs, "main.go")}},
		{"package in another module", other, []string{"./cmd/app"}},
		{"directory outside modules", dir, []string{loose}},
		{"file outside modules", dir, []string{filepath.Join(loose, "main.go")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "x.img")
			cmd := exec.Command(unigoBin, append([]string{"build", "-o", img}, c.target...)...)
			cmd.Dir = c.cwd
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("unigo build %v: %v\n%s", c.target, err, out)
			}
			r := unigo(t, "run", "-accel", accel, "-timeout", "120s", img)
			if r.stdout != "out 0\nout 1\nout 2\n" || r.code != 0 {
				t.Errorf("built from %s: stdout %q, status %d, stderr %q", c.name, r.stdout, r.code, r.stderr)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(loose, "main.go")); !bytes.Equal(b, src) {
		t.Errorf("unigo build changed the program's source")
	}
	if _, err := os.Stat(filepath.Join(loose, "go.mod")); err == nil {
		t.Errorf("unigo build left a go.mod in the program's directory")
	}
}

// TestImageIsStillALinuxExecutable: the boot stub lives in unused bytes of
// the ELF, so the image runs as an ordinary Linux process too.
func TestImageIsStillALinuxExecutable(t *testing.T) {
	out, err := exec.Command(images["streams"]).Output()
	if err != nil || string(out) != "out 0\nout 1\nout 2\n" {
		t.Errorf("running the image on Linux: %q, %v", out, err)
	}
}

func TestOutOfMemoryIsGoFatalError(t *testing.T) {
	r := boot(t, "oom", []string{"-m", "32"})
	if r.code != 2 || r.stdout != "allocating\n" || !strings.HasPrefix(r.stderr, "fatal error: runtime: out of memory") {
		t.Errorf("oom = status %d, stdout %q, stderr starts %q", r.code, r.stdout, firstLine(r.stderr))
	}
}

func TestFreeOSMemoryReturnsFrames(t *testing.T) {
	r := boot(t, "freemem", nil)
	if r.code != 0 || r.stdout != "grew=true freed=true\n" {
		t.Errorf("freemem = status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestTooLittleMemoryIsRefused(t *testing.T) {
	r := unigo(t, "run", "-m", "4", images["hello"])
	if r.code != 126 || !strings.Contains(r.stderr, "too small") {
		t.Errorf("-m 4 = status %d, stderr %q", r.code, r.stderr)
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// TestSyscallPinning records the system calls the Go runtime makes in
// hello and the stress program, and compares them with the golden list for
// this Go release (testdata/syscalls/goX.Y.txt): a new Go release that asks
// for a new call fails here with the call's name, not with a hang at boot.
// UNIGO_RECORD_SYSCALLS=1 writes the list afresh.
func TestSyscallPinning(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`(?m)^unigo: kernel: ([a-z0-9_]+) \d+$`)
	for _, name := range []string{"hello", "stress", "faults", "preempt"} {
		r := boot(t, name, []string{"-v", "-m", "256"})
		if strings.Contains(r.stderr, "unimplemented syscall") {
			t.Errorf("%s made a syscall unigo does not implement:\n%s", name, r.stderr)
		}
		for _, m := range re.FindAllStringSubmatch(r.stderr, -1) {
			seen[m[1]] = true
		}
	}
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := regexp.MustCompile(`^go\d+\.\d+`).FindString(string(out))
	golden := filepath.Join("testdata", "syscalls", v+".txt")
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if os.Getenv("UNIGO_RECORD_SYSCALLS") != "" {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		os.WriteFile(golden, []byte(strings.Join(names, "\n")+"\n"), 0o644)
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("no golden syscall list for %s (%v): review the calls below, implement any missing, then record with UNIGO_RECORD_SYSCALLS=1\n%s", v, err, strings.Join(names, " "))
	}
	want := map[string]bool{}
	for _, n := range strings.Fields(string(b)) {
		want[n] = true
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("%s: the runtime now calls %s, which %s does not list", v, n, golden)
		}
	}
	if len(seen) < len(want)/2 {
		t.Errorf("saw only %d of the %d pinned syscalls: is -v reporting broken?", len(seen), len(want))
	}
}

// TestFiles: the os file API over the read-only root packed with -files
// and the tmpfs at /tmp, errors included, through the kernel's hand-off
// to its file-server goroutine.
func TestFiles(t *testing.T) {
	r := boot(t, "files", nil)
	want := `motd="welcome to unigo\n"
link=../etc/motd via="welcome to unigo\n"
write root: permission = true
stat missing: notexist = true
remove root file: permission = true
renamed="tmpfs data"
size 10 mode -rw------- dir false
patched="tmpfs DATA!" head="tmpf"
entry b true
entry g.txt false
wd=/ then /tmp/a/b relative="tmpfs DATA!"
walk: . data data/a.txt data/motd-link data/sub data/sub/b.txt etc etc/motd tmp tmp/a tmp/a/b tmp/a/b/c tmp/a/g.txt
removed: true
`
	// sysinfo's RAM is within the guest's memory (unigo run's default -m
	// 128) and most of it, less the kernel's and the image's frames.
	sysinfo := regexp.MustCompile(`(?m)^sysinfo: totalram_mib=(\d+) free<=total=true uptime>=0=true procs>0=true unit=1\n`)
	m := sysinfo.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Errorf("files: no sysinfo line, or a wrong one, in stdout:\n%s", r.stdout)
	} else if mib, _ := strconv.Atoi(m[1]); mib < 64 || mib > 128 {
		t.Errorf("sysinfo: totalram = %d MiB, want within the guest's 128 MiB, and most of it", mib)
	}
	r.stdout = sysinfo.ReplaceAllString(r.stdout, "")
	if r.code != 0 || r.stdout != want {
		t.Errorf("files = status %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

func TestImageWithoutFilesHasEmptyRoot(t *testing.T) {
	// Without -files the root holds only /tmp; the hand-off still serves it.
	r := boot(t, "latency", nil)
	if r.code != 0 || !regexp.MustCompile(`^getpid_ns=\d+ pread1_ns=\d+ sockread1_ns=\d+ tcprtt_ns=\d+\n$`).MatchString(r.stdout) {
		t.Errorf("latency = status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestIdleGuestIsIdle: a guest whose program only sleeps halts the CPU
// between timer events (no periodic tick), so QEMU uses little host CPU.
func TestIdleGuestIsIdle(t *testing.T) {
	g := startGuest(t, images["forever"], nil)
	g.waitFor(t, "running forever", 2*time.Minute)
	time.Sleep(time.Second) // let the runtime settle
	pid := qemuChild(t, g.cmd.Process.Pid)
	before := cpuTicks(t, pid)
	const window = 3 * time.Second
	time.Sleep(window)
	used := time.Duration(cpuTicks(t, pid)-before) * time.Second / 100 // USER_HZ
	t.Logf("idle guest: %v of host CPU in %v", used, window)
	if used > window/5 {
		t.Errorf("an idle guest used %v of host CPU in %v; want under 20%%", used, window)
	}
}

// qemuChild finds the QEMU process that unigo run (pid) started.
func qemuChild(t *testing.T, pid int) int {
	t.Helper()
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid)) // any thread may have forked it
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && len(strings.Fields(string(b))) > 0 {
			child, _ := strconv.Atoi(strings.Fields(string(b))[0])
			return child
		}
	}
	t.Fatalf("no QEMU child of unigo run (pid %d)", pid)
	return 0
}

// cpuTicks is a process's user+system time in clock ticks (proc(5)).
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return utime + stime
}

// TestEpollSemantics: level- and edge-triggered readiness, timeouts,
// MOD/DEL, errors and wake-ups from another thread, compared with Linux.
func TestEpollSemantics(t *testing.T) {
	r := boot(t, "epoll", nil)
	n := native(t, "epoll", nil)
	if r != n {
		t.Errorf("epoll in unigo:\n%s\n%s\nas a Linux process:\n%s\n%s", r.stdout, r.stderr, n.stdout, n.stderr)
	}
}
