package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"unigo/qemu"
	"unigo/tools/bench/report"
	"unigo/tools/image"
)

// The table's rows.
const (
	mHello    = "cold start: launch → hello's first output"
	mHTTP     = "cold start: launch → first HTTP 200"
	mFloor    = "  floor: QEMU booting a trivial image"
	mRPS      = "throughput (wrk)"
	mP50      = "latency p50"
	mP99      = "latency p99"
	mSize     = "artifact size"
	mMinMem   = "smallest guest memory that serves"
	mRSS      = "host RSS while serving"
	mHostSys  = "host syscalls used while serving"
	mKernSys  = "syscalls the service's kernel handles"
	mKernLoC  = "kernel source lines"
	mNetstack = "  of which TCP/IP stack"
	// unigo's boot milestones (unigo run -v), splitting launch → first 200.
	mPhaseQEMU    = "  unigo: launch → kernel entry (CLI, QEMU, image load)"
	mPhaseKernel  = "  unigo: kernel init"
	mPhaseRuntime = "  unigo: Go runtime and package init"
	mPhaseNet     = "  unigo: network up"
	mPhaseServe   = "  unigo: net up → first HTTP 200"
)

// milestoneLine is how unigo run -v prints a boot milestone.
var milestoneLine = regexp.MustCompile(`(?m)^unigo:\s+([\d.]+)ms (\S+)`)

// phases splits unigo's launch → first 200 (total, ms) by its milestones.
func phases(log string, total float64) (map[string]float64, error) {
	at := map[string]float64{}
	for _, m := range milestoneLine.FindAllStringSubmatch(log, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return nil, err
		}
		if _, dup := at[m[2]]; !dup {
			at[m[2]] = v
		}
	}
	for _, k := range []string{"boot-pvh", "kernel-ready", "main", "net-up"} {
		if _, ok := at[k]; !ok {
			return nil, fmt.Errorf("no %s milestone in unigo run -v's output", k)
		}
	}
	return map[string]float64{
		mPhaseQEMU:    at["boot-pvh"],
		mPhaseKernel:  at["kernel-ready"] - at["boot-pvh"],
		mPhaseRuntime: at["main"] - at["kernel-ready"],
		mPhaseNet:     at["net-up"] - at["main"],
		mPhaseServe:   total - at["net-up"],
	}, nil
}

func run(o options) error {
	start := time.Now()
	set := report.NewSet()
	machine := report.DescribeMachine()
	accel, reason := "tcg", "TCG (no /dev/kvm)"
	if qemu.KVMAvailable() {
		accel, reason = "kvm", "KVM"
	}
	progress("machine: %s, %d cores; accelerator %s", machine.CPU, machine.Cores, reason)
	progress("building unigo, images and static binaries")
	a, err := buildArtifacts(o.root, accel, reason)
	if err != nil {
		return err
	}
	defer os.RemoveAll(a.work)

	all := map[string]variant{
		"unigo": &unigoVariant{}, "container": &containerVariant{},
		"linux-vm": &linuxVariant{}, "native": &nativeVariant{},
	}
	vorder := strings.Split(o.variants, ",")
	ready := map[string]variant{}
	for _, n := range vorder {
		v, ok := all[n]
		if !ok {
			return fmt.Errorf("unknown variant %q (want unigo, container, linux-vm, native)", n)
		}
		progress("preparing %s", n)
		if err := v.Prepare(a); err != nil {
			progress("%s unavailable: %v", n, err)
			for _, m := range []string{mHello, mHTTP, mRPS, mP50, mP99, mSize, mRSS} {
				set.Fail(label(n, a), m, unitOf(m), "unavailable: "+firstLine(err.Error()))
			}
			continue
		}
		ready[n] = v
	}
	defer teardownNetns()
	// An interrupted run still removes the namespace and the veth pair;
	// the guests and containers die with their process groups.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		live.killAll()
		teardownNetns()
		os.RemoveAll(a.work)
		os.Exit(130)
	}()

	for _, n := range vorder {
		if v := ready[n]; v != nil {
			size, what := v.Artifact()
			set.Add(label(n, a), mSize, "MB", float64(size)/1e6)
			progress("%s artifact: %.2f MB (%s)", n, float64(size)/1e6, what)
		}
	}

	// Interleaved rounds: A B C D A B C D.
	failures := map[string]map[string]string{}
	fail := func(n, metric string, err error) {
		progress("%s: %s failed: %v", n, metric, err)
		if failures[n] == nil {
			failures[n] = map[string]string{}
		}
		failures[n][metric] = firstLine(err.Error())
	}
	for i, n := range report.Schedule(vorder, o.rounds) {
		v := ready[n]
		if v == nil {
			continue
		}
		round := i/len(vorder) + 1
		lb := label(n, a)
		if d, err := coldHello(v, helloTimeout(n, a)); err != nil {
			fail(n, mHello, err)
		} else {
			set.Add(lb, mHello, "ms", ms(d))
		}
		if n == "unigo" {
			if d, err := floor(a); err != nil {
				fail(n, mFloor, err)
			} else {
				set.Add(lb, mFloor, "ms", ms(d))
			}
		}
		serveOnce(o, n, v, a, set, fail)
		progress("round %d/%d: %s done (%s elapsed)", round, o.rounds, n, time.Since(start).Round(time.Second))
	}
	for n, ms := range failures {
		for m, note := range ms {
			if len(set.Get(label(n, a), m).Values) == 0 {
				set.Fail(label(n, a), m, unitOf(m), "failed: "+note)
			}
		}
	}

	if o.surface {
		surface(o, vorder, ready, a, set)
	}
	if o.bisect {
		for _, n := range []string{"unigo", "linux-vm"} {
			if v := ready[n]; v != nil {
				progress("%s: bisecting the smallest guest memory that serves", n)
				mb := report.Bisect(4, 512, func(mb int) bool {
					s, err := v.Serve(mb)
					if err != nil {
						return false
					}
					_, err = waitHTTP(s, time.Now(), serveTimeout(n, a))
					s.stop()
					if err != nil {
						progress("  -m %d: %v; output: %s", mb, okErr(err), lastLines(s.log, 2))
					} else {
						progress("  -m %d: serves", mb)
					}
					return err == nil
				})
				if mb > 512 {
					set.Fail(label(n, a), mMinMem, "MiB", "failed: no size up to 512 MiB served")
				} else {
					set.Add(label(n, a), mMinMem, "MiB", float64(mb))
				}
			}
		}
		for _, n := range []string{"container", "native"} {
			if ready[n] != nil {
				set.Fail(label(n, a), mMinMem, "MiB", "n/a: no guest")
			}
		}
	}
	return write(o, a, machine, set, time.Since(start))
}

// serveOnce starts httpd, measures launch → first 200, loads it with wrk
// and reads the host RSS of its process tree, then stops it.
func serveOnce(o options, n string, v variant, a *artifacts, set *report.Set, fail func(string, string, error)) {
	lb := label(n, a)
	t0 := time.Now()
	s, err := v.Serve(o.memMB)
	if err != nil {
		fail(n, mHTTP, err)
		return
	}
	defer s.stop()
	d, err := waitHTTP(s, t0, serveTimeout(n, a))
	if err != nil {
		s.stop()
		fail(n, mHTTP, fmt.Errorf("%v; log: %s", err, lastLines(s.log, 4)))
		return
	}
	set.Add(lb, mHTTP, "ms", ms(d))
	if n == "unigo" {
		if ph, err := phases(s.out.String(), ms(d)); err != nil {
			fail(n, mPhaseQEMU, err)
		} else {
			for _, m := range []string{mPhaseQEMU, mPhaseKernel, mPhaseRuntime, mPhaseNet, mPhaseServe} {
				set.Add(lb, m, "ms", ph[m])
			}
		}
	}
	out, err := wrkRun(s.url, o)
	if err != nil {
		fail(n, mRPS, err)
		return
	}
	w, err := report.ParseWrk(out)
	if err != nil {
		fail(n, mRPS, err)
		return
	}
	if w.Errors > 0 {
		fail(n, mRPS, fmt.Errorf("wrk saw %d errors in %d requests", w.Errors, w.Requests))
	}
	set.Add(lb, mRPS, "req/s", w.RPS)
	set.Add(lb, mP50, "ms", ms(w.P50))
	set.Add(lb, mP99, "ms", ms(w.P99))
	if r, err := treeRSS(s.cmd.Process.Pid); err != nil {
		fail(n, mRSS, err)
	} else {
		set.Add(lb, mRSS, "MiB", float64(r)/(1<<20))
	}
}

// surface records the attack-surface counts: the host syscalls each
// variant's host-side processes make while serving (strace), the calls the
// service's own kernel handles, and the size of that kernel.
func surface(o options, vorder []string, ready map[string]variant, a *artifacts, set *report.Set) {
	if _, err := exec.LookPath("strace"); err != nil {
		for _, n := range vorder {
			set.Fail(label(n, a), mHostSys, "calls", "unavailable: strace is missing")
		}
	} else {
		for _, n := range vorder {
			v := ready[n]
			if v == nil {
				continue
			}
			progress("%s: counting host syscalls under load (strace)", n)
			err := func() error {
				t0 := time.Now()
				s, err := v.Serve(o.memMB)
				if err != nil {
					return err
				}
				defer s.stop()
				if _, err := waitHTTP(s, t0, serveTimeout(n, a)); err != nil {
					return err
				}
				out, err := straceWhileLoaded(s, 3*time.Second, o)
				if err != nil {
					return err
				}
				calls, err := report.ParseStraceSummary(out)
				if err != nil {
					return err
				}
				set.Add(label(n, a), mHostSys, "calls", float64(len(calls)))
				return nil
			}()
			if err != nil {
				set.Fail(label(n, a), mHostSys, "calls", "failed: "+firstLine(err.Error()))
			}
		}
	}
	handled, err1 := handledSyscalls(o.root)
	linux, err2 := linuxSyscalls(o.root)
	loc, err3 := kernelLines(o.root)
	netstack, err4 := moduleLines(o.root, "gvisor.dev/gvisor", "unigo/netstack")
	for _, n := range vorder {
		if ready[n] == nil {
			continue
		}
		lb := label(n, a)
		switch {
		case n == "unigo" && err1 == nil:
			set.Add(lb, mKernSys, "calls", float64(handled))
		case n != "unigo" && err2 == nil:
			set.Add(lb, mKernSys, "calls", float64(linux))
		}
		switch {
		case n == "unigo" && err3 == nil && err4 == nil:
			set.Add(lb, mKernLoC, "lines", float64(loc+netstack))
			set.Add(lb, mNetstack, "lines", float64(netstack))
		case n == "linux-vm":
			if lv, ok := ready[n].(*linuxVariant); ok && lv.config != "" {
				y, m, err := configOptions(lv.config)
				if err == nil {
					set.Fail(lb, mKernLoC, "lines", fmt.Sprintf("Linux: %d options built in, %d as modules", y, m))
				}
			}
		default:
			set.Fail(lb, mKernLoC, "lines", "the host's Linux kernel")
		}
	}
}

// floor boots a trivial image (it exits at its first instruction) on the
// QEMU configuration unigo run uses for httpd, and returns launch → exit.
func floor(a *artifacts) (time.Duration, error) {
	img := filepath.Join(a.work, "floor.elf")
	if _, err := os.Stat(img); err != nil {
		if err := os.WriteFile(img, image.Floor(), 0o644); err != nil {
			return 0, err
		}
	}
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	args, err := qemu.Args(qemu.Config{Kernel: img, Machine: "microvm", Accel: a.accel, MemMB: 128, SMP: 1,
		StdoutFD: 1, StderrFD: 2, ControlFD: 2, Net: "user", Forwards: []string{fmt.Sprintf("tcp:%d:8080", port)}})
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	cmd := exec.Command(qemu.Binary, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	d := time.Since(t0)
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		return 0, fmt.Errorf("trivial image: %v (want isa-debug-exit status 1): %s", err, lastLines(out.String(), 3))
	}
	return d, nil
}

// write renders the results file, the charts and the README's table.
func write(o options, a *artifacts, machine report.Machine, set *report.Set, took time.Duration) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	date := time.Now().Format("2006-01-02")
	charts := []struct {
		file, title, unit string
		metrics           []string
	}{
		{date + "-cold-start.png", "Cold start (median, min–max)", "ms", []string{mHello, mHTTP}},
		{date + "-throughput.png", "httpd throughput (wrk -c" + fmt.Sprint(o.connections) + ")", "req/s", []string{mRPS}},
		{date + "-memory.png", "Host RSS while serving", "MiB", []string{mRSS}},
	}
	var files []string
	for _, c := range charts {
		p := filepath.Join(o.out, c.file)
		var err error
		if len(c.metrics) == 1 {
			err = report.BarChart(p, c.title, c.unit, set, c.metrics[0])
		} else {
			err = report.GroupedBarChart(p, c.title, c.unit, set, c.metrics)
		}
		if err != nil {
			progress("chart %s: %v", c.file, err)
			continue
		}
		files = append(files, c.file)
	}
	commands := []string{
		"make bench    # = go run ./tools/bench " + strings.Join(os.Args[1:], " "),
		fmt.Sprintf("wrk -t1 -c%d -d%s --latency http://HOST:PORT/hello", o.connections, o.wrkDuration),
		fmt.Sprintf("%d interleaved rounds; took %s", o.rounds, took.Round(time.Second)),
	}
	var doc bytes.Buffer
	if err := report.Document(&doc, "unigo vs container vs Linux VM vs native process ("+date+")", machine, commands, set, files); err != nil {
		return err
	}
	md := filepath.Join(o.out, date+".md")
	if err := os.WriteFile(md, doc.Bytes(), 0o644); err != nil {
		return err
	}
	progress("wrote %s", md)
	return updateREADME(o, set, md, files)
}

// updateREADME replaces the table between the README's bench markers.
func updateREADME(o options, set *report.Set, md string, charts []string) error {
	const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
	path := filepath.Join(o.root, "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		progress("README.md has no %s ... %s markers; table not copied", begin, end)
		return nil
	}
	rel, _ := filepath.Rel(o.root, md)
	var t bytes.Buffer
	fmt.Fprintf(&t, "%s\nLatest run: [%s](%s)\n\n", begin, filepath.Base(md), rel)
	if err := report.Markdown(&t, set); err != nil {
		return err
	}
	dir, _ := filepath.Rel(o.root, o.out)
	for _, c := range charts {
		fmt.Fprintf(&t, "\n![%s](%s)", strings.TrimSuffix(c, ".png"), filepath.Join(dir, c))
	}
	t.WriteString("\n")
	return os.WriteFile(path, []byte(s[:i]+t.String()+s[j:]), 0o644)
}

// label names a variant in the table; unigo says which accelerator ran it.
func label(n string, a *artifacts) string {
	if (n == "unigo" || n == "linux-vm") && a.accel != "kvm" {
		return n + " (TCG)"
	}
	return n
}

func unitOf(m string) string {
	switch m {
	case mRPS:
		return "req/s"
	case mSize:
		return "MB"
	case mRSS, mMinMem:
		return "MiB"
	case mHostSys, mKernSys:
		return "calls"
	case mKernLoC, mNetstack:
		return "lines"
	}
	return "ms"
}

// Waits are generous under TCG, where a Linux guest takes seconds to boot.
func helloTimeout(n string, a *artifacts) time.Duration {
	if a.accel == "tcg" && n == "linux-vm" {
		return 3 * time.Minute
	}
	return time.Minute
}

func serveTimeout(n string, a *artifacts) time.Duration { return helloTimeout(n, a) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func okErr(err error) string {
	if err == nil {
		return "serves"
	}
	return firstLine(err.Error())
}
