package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo/qemu"
	"unigo/tools/image"
)

type envList []string

func (e *envList) String() string { return strings.Join(*e, ",") }
func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

type runOpts struct {
	mem, smp       int
	accel, machine string
	boot           string
	timeout        time.Duration
	env            envList
	verbose        bool
	image          string
	args           []string
	net            string
	mac            string
	forwards       []string
	ip, gw, dns    string
	shares         []qemu.Share
	cpu            string
	prof           bool
	nic            string
}

const runUsage = "usage: unigo run [flags] IMAGE [-- ARGS...]"

func runCmd(argv []string) int {
	var o runOpts
	c := runCommand(&o)
	if ok, status := c.parse(argv); !ok {
		return status
	}
	rest := c.fs.Args()
	if len(rest) == 0 {
		return c.fail("no IMAGE given")
	}
	o.image, rest = rest[0], rest[1:]
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	o.args = rest
	if msg := checkRunOpts(&o); msg != "" {
		return c.fail("%s", msg)
	}
	if o.accel == "auto" {
		o.accel = "tcg"
		if qemu.KVMAvailable() {
			o.accel = "kvm"
		}
	}
	code, err := run(&o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo run: %v\n", err)
	}
	return code
}

// runCommand defines unigo run's flags, parsed into o.
func runCommand(o *runOpts) *command {
	c := newCommand("run", runUsage)
	fs := c.fs
	o.mem, o.smp = 128, 1
	fs.Var(intFlag{&o.mem, "MiB"}, "m", "guest memory in `MB`")
	fs.Var(intFlag{&o.smp, "CPUs"}, "smp", "`N` virtual CPUs (the kernel schedules on the first)")
	fs.StringVar(&o.accel, "accel", "auto", "accelerator: auto (KVM when /dev/kvm opens, else TCG), kvm or tcg")
	fs.StringVar(&o.machine, "machine", "microvm", "QEMU machine: microvm, q35 or pc")
	fs.StringVar(&o.cpu, "cpu", "", "QEMU CPU `model` (default: max under TCG; qemu64 with the host's RDRAND/RDSEED under KVM)")
	fs.StringVar(&o.boot, "boot", "pvh", "boot protocol: pvh or multiboot (multiboot needs -machine pc or q35)")
	fs.Var(durationFlag{&o.timeout}, "timeout", "kill the guest after this `duration` and exit 124 (0: never)")
	fs.Var(&o.env, "e", "set an environment variable `KEY=VAL` in the guest (repeatable)")
	fs.BoolVar(&o.verbose, "v", false, "print boot milestones and kernel statistics on stderr")
	fs.BoolVar(&o.prof, "prof", false, "sample where the guest's CPU goes (1 kHz) and print the hottest functions on stderr when it stops")
	fs.StringVar(&o.net, "net", "user", "network: user (QEMU's NAT; guest 10.0.2.15), tap:NAME, socket:listen:PORT, socket:connect:PORT (guest to guest) or none")
	fs.StringVar(&o.mac, "mac", "", "the NIC's MAC `address` (default 52:54:00:12:34:56)")
	fs.StringVar(&o.nic, "nic", "virtio", "NIC model: virtio; virtio-legacy (the pre-1.0 interface, as old hypervisors offer it), e1000 (Intel 82540EM) or e1000e (Intel 82574L), each on -machine pc or q35")
	fs.Func("p", "forward `[tcp:|udp:]HOST:GUEST` port from the host's 127.0.0.1 to the guest (repeatable; -net user)", func(v string) error {
		p := strings.Split(v, ":")
		proto := "tcp"
		if len(p) == 3 {
			proto, p = p[0], p[1:]
		}
		if len(p) != 2 || proto != "tcp" && proto != "udp" {
			return fmt.Errorf("want [tcp:|udp:]HOSTPORT:GUESTPORT, got %q", v)
		}
		for _, port := range p {
			if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
				return fmt.Errorf("bad port %q", port)
			}
		}
		o.forwards = append(o.forwards, proto+":"+p[0]+":"+p[1])
		return nil
	})
	fs.Func("share", "export host directory `HOST[:GUEST]` read-only to the guest at GUEST (default: the same path), over virtio-9p (repeatable, up to 3)", func(v string) error {
		sh, err := parseShare(v, len(o.shares))
		if err != nil {
			return err
		}
		o.shares = append(o.shares, sh)
		return nil
	})
	fs.StringVar(&o.ip, "ip", "", "guest address: `ADDR/PREFIX`, or dhcp (default: 10.0.2.15/24 on -net user, whose plan QEMU fixes; dhcp on other networks)")
	fs.StringVar(&o.gw, "gw", "", "gateway `ADDR` (default 10.0.2.2)")
	fs.StringVar(&o.dns, "dns", "", "DNS servers `ADDR[,ADDR]` (default 10.0.2.3)")
	return c
}

// checkRunOpts returns what is wrong with a combination of flags, or "".
func checkRunOpts(o *runOpts) string {
	switch {
	case o.nic != "virtio" && o.nic != "virtio-legacy" && o.nic != "e1000" && o.nic != "e1000e":
		return fmt.Sprintf("unknown -nic %s (want virtio, virtio-legacy, e1000 or e1000e)", o.nic)
	case o.nic != "virtio" && o.machine == "microvm":
		return fmt.Sprintf("-nic %s is a PCI device: it needs -machine pc or q35", o.nic)
	case o.mem < 2 || o.smp < 1:
		return "-m must be at least 2 and -smp at least 1"
	case o.boot != "pvh" && o.boot != "multiboot":
		return fmt.Sprintf("unknown -boot %q (want pvh or multiboot)", o.boot)
	case o.boot == "multiboot" && o.machine == "microvm":
		return "-boot multiboot needs -machine pc or q35 (microvm boots PVH)"
	case o.accel != "auto" && o.accel != "kvm" && o.accel != "tcg":
		return fmt.Sprintf("unknown -accel %q (want auto, kvm or tcg)", o.accel)
	}
	return ""
}

func run(o *runOpts) (int, error) {
	start := time.Now()
	// Only the first page and the ELF headers are read here: QEMU loads
	// the file itself, and the whole image is read again only to
	// symbolise a crash.
	f, err := os.Open(o.image)
	if err != nil {
		return exitBadImage, err
	}
	defer f.Close()
	head := make([]byte, 8192)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if err := image.Check(head); err != nil {
		return exitBadImage, fmt.Errorf("%s: %v", o.image, err)
	}
	if need := image.MinMemoryMB(f); o.mem < need {
		return exitBadImage, fmt.Errorf("-m %d is too small for %s: the image alone needs %d MB", o.mem, o.image, need)
	}
	qemuPath, err := qemu.Find()
	if err != nil {
		return exitNoQEMU, err
	}
	kernel := o.image
	// QEMU boots through Multiboot whenever the header is active
	// (tools/image): hand it a copy in the state the -boot flag asks for.
	if active := image.MultibootActive(head); active != (o.boot == "multiboot") {
		img, err := os.ReadFile(o.image)
		if err != nil {
			return exitBadImage, err
		}
		tmp, err := os.CreateTemp("", "unigo-"+o.boot+"-*.img")
		if err != nil {
			return exitFailed, err
		}
		defer os.Remove(tmp.Name())
		fix := image.WithoutMultiboot
		if o.boot == "multiboot" {
			fix = image.WithMultiboot
		}
		if _, err := tmp.Write(fix(img)); err != nil {
			return exitFailed, err
		}
		tmp.Close()
		kernel = tmp.Name()
	}

	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	ctlR, ctlW, _ := os.Pipe()
	args, err := qemu.Args(qemu.Config{
		Kernel: kernel, Machine: o.machine, Accel: o.accel, MemMB: o.mem, SMP: o.smp,
		Cmdline:  kernelCmdline(o),
		StdoutFD: 3, StderrFD: 4, ControlFD: 5,
		Net: o.net, Forwards: o.forwards, MAC: o.mac, Shares: o.shares, CPU: o.cpu, NIC: o.nic,
	})
	if err != nil {
		return exitFailed, err
	}
	ctx := context.Background()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, qemuPath, args...)
	cmd.ExtraFiles = []*os.File{outW, errW, ctlW}
	// The guest dies with unigo run, however unigo run dies (a test's
	// timeout, kill -9): no QEMU is left running on its own.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var qemuErr strings.Builder
	cmd.Stderr = &qemuErr
	if o.verbose {
		fmt.Fprintf(os.Stderr, "unigo: %s %s\n", qemuPath, strings.Join(args, " "))
	}
	if err := cmd.Start(); err != nil {
		return exitFailed, err
	}
	outW.Close()
	errW.Close()
	ctlW.Close()

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); io.Copy(os.Stdout, outR) }()
	errMux := &lineMux{w: os.Stderr}
	go func() { defer wg.Done(); io.Copy(errMux, errR); errMux.Flush() }()
	ctl := &control{start: start, verbose: o.verbose, image: o.image, out: errMux}
	go func() { defer wg.Done(); ctl.read(ctlR) }()
	waitErr := cmd.Wait()
	wg.Wait()
	if o.prof {
		img, _ := os.ReadFile(o.image)
		t := symtab(img)
		fmt.Fprint(os.Stderr, ctl.prof.report(func(pc uint64) string {
			if t == nil {
				return ""
			}
			if f := t.PCToFunc(pc); f != nil {
				return f.Name
			}
			return ""
		}))
	}

	if ctx.Err() == context.DeadlineExceeded {
		fmt.Fprintf(os.Stderr, "unigo: timeout: the guest ran longer than %v and was stopped\n", o.timeout)
		return exitTimeout, nil
	}
	if ctl.exited {
		if o.verbose {
			fmt.Fprintf(os.Stderr, "unigo: %8.2fms exit %d\n", ms(time.Since(start)), ctl.code)
		}
		return ctl.code, nil
	}
	return qemuStatus(waitErr, strings.TrimSpace(qemuErr.String()))
}

// qemuStatus is unigo run's status when the guest sent no exit record:
// QEMU's own exit status (waitErr), or what it printed (msg), says why.
func qemuStatus(waitErr error, msg string) (int, error) {
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			err := fmt.Errorf("qemu was killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
			if msg != "" {
				err = fmt.Errorf("%v: %s", err, msg)
			}
			return exitFailed, err
		}
		if ee.ExitCode()&1 == 1 && ee.ExitCode() > 1 {
			return ee.ExitCode() >> qemu.DebugExitShift, nil // isa-debug-exit without a control record
		}
	}
	if msg != "" {
		return exitFailed, fmt.Errorf("qemu failed: %s", msg)
	}
	return exitKernelFatal, errors.New("the guest stopped without an exit status (CPU reset: triple fault?)")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// control reads the kernel's control channel: "M name ns" milestones,
// "X code" exit, "F ..." crash records, "S"/"C" statistics.
type control struct {
	start   time.Time
	verbose bool
	image   string
	exited  bool
	code    int
	prof    profile
	out     *lineMux // stderr, shared with the guest's
}

func (c *control) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "M":
			if c.verbose && len(f) == 3 {
				ns, _ := strconv.ParseInt(f[2], 10, 64)
				c.out.Printf("unigo: %8.2fms %-13s (guest clock %.2fms)\n", ms(time.Since(c.start)), f[1], float64(ns)/1e6)
			}
		case "X":
			if len(f) == 2 {
				c.code, _ = strconv.Atoi(f[1])
				c.exited = true
			}
		case "F":
			img, _ := os.ReadFile(c.image)
			c.out.Printf("%s", crashReport(img, f[1:]))
		case "P", "p":
			c.prof.record(f)
		case "S", "C":
			if c.verbose {
				c.out.Printf("unigo: kernel: %s\n", strings.Join(f[1:], " "))
			}
		}
	}
}

// maxShares is how many -share flags the kernel mounts (one MSI-X line
// each on PCI machines, allocated by kernel/platform).
const maxShares = 3

// parseShare reads HOST[:GUEST]: HOST must be an existing directory;
// GUEST, an absolute path, defaults to HOST's absolute path.
func parseShare(v string, n int) (qemu.Share, error) {
	if n >= maxShares {
		return qemu.Share{}, fmt.Errorf("at most %d shares", maxShares)
	}
	host, guest, hasGuest := strings.Cut(v, ":")
	abs, err := filepath.Abs(host)
	if err != nil {
		return qemu.Share{}, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return qemu.Share{}, fmt.Errorf("%q is not a directory", host)
	}
	if !hasGuest {
		guest = abs
	}
	guest = filepath.Clean(guest)
	if !filepath.IsAbs(guest) || guest == "/" || guest == "/tmp" || strings.HasPrefix(guest, "/tmp/") {
		return qemu.Share{}, fmt.Errorf("guest path %q must be absolute, and not / or under /tmp", guest)
	}
	return qemu.Share{Host: abs, Guest: guest, Tag: fmt.Sprintf("unigo%d", n)}, nil
}
