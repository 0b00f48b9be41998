package qemu_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"unigo/qemu"
	"unigo/tools/image"
	"unigo/tools/linuxvm"
)

// BenchmarkBoot measures, side by side in one run, the wall time from
// starting `unigo run` to the guest's main and to its exit for app/hello
// on microvm, and the floor of this machine: the same QEMU configuration
// booting an image that exits at its first instruction.
func BenchmarkBoot(b *testing.B) {
	floorImg := filepath.Join(work, "floor.elf")
	if err := os.WriteFile(floorImg, image.Floor(), 0o644); err != nil {
		b.Fatal(err)
	}
	accelUsed := accel
	if accelUsed == "auto" {
		accelUsed = "tcg"
		if qemu.KVMAvailable() {
			accelUsed = "kvm"
		}
	}
	args, err := qemu.Args(qemu.Config{Kernel: floorImg, Machine: "microvm", Accel: accelUsed, MemMB: 128, SMP: 1,
		Cmdline: "", StdoutFD: 1, StderrFD: 2, ControlFD: 2})
	if err != nil {
		b.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^unigo:\s+([\d.]+)ms (main|exit 0)`)
	var floor, toMain, toExit []float64
	for i := 0; i < b.N; i++ {
		t := time.Now()
		cmd := exec.Command(qemu.Binary, args...)
		if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 1 {
			b.Fatalf("floor image: %v (want isa-debug-exit status 1)", err)
		}
		floor = append(floor, ms(time.Since(t)))

		out, err := exec.Command(unigoBin, "run", "-v", "-accel", accelUsed, images["hello"]).CombinedOutput()
		if err != nil {
			b.Fatalf("hello: %v\n%s", err, out)
		}
		for _, m := range re.FindAllStringSubmatch(string(out), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			if m[2] == "main" {
				toMain = append(toMain, v)
			} else {
				toExit = append(toExit, v)
			}
		}
	}
	if len(toMain) != b.N || len(toExit) != b.N {
		b.Fatalf("missing milestones: %d main, %d exit in %d runs", len(toMain), len(toExit), b.N)
	}
	f, m, e := median(floor), median(toMain), median(toExit)
	b.ReportMetric(f, "floor-ms")
	b.ReportMetric(m, "main-ms")
	b.ReportMetric(e, "exit-ms")
	b.ReportMetric(m-f, "main-over-floor-ms")
	b.Logf("accel %s, N=%d: floor %.1f ms, hello main %.1f ms, exit %.1f ms (medians; main - floor = %.1f ms)", accelUsed, b.N, f, m, e, m-f)
}

// BenchmarkImageSize compares app/hello's image with the plain `go build`
// binary of the same program.
func BenchmarkImageSize(b *testing.B) {
	img, err1 := os.Stat(images["hello"])
	nat, err2 := os.Stat(natives["hello"])
	if err1 != nil || err2 != nil {
		b.Fatal(err1, err2)
	}
	for i := 0; i < b.N; i++ {
	}
	b.ReportMetric(float64(img.Size()), "image-bytes")
	b.ReportMetric(float64(nat.Size()), "gobuild-bytes")
	b.ReportMetric(float64(img.Size())/float64(nat.Size()), "ratio")
}

// BenchmarkMinMemory finds the smallest -m (MiB) at which app/hello still runs.
func BenchmarkMinMemory(b *testing.B) {
	runs := func(mb int) bool {
		out, err := exec.Command(unigoBin, "run", "-accel", accel, "-timeout", "60s", "-m", strconv.Itoa(mb), images["hello"]).Output()
		return err == nil && len(out) > 0
	}
	got := qemu.Bisect(2, 128, runs)
	for i := 1; i < b.N; i++ { // the threshold holds on every run
		if !runs(got) || runs(got-1) {
			b.Fatalf("the smallest working -m moved away from %d MiB", got)
		}
	}
	b.ReportMetric(float64(got), "min-MiB")
}

// BenchmarkSyscallLatency runs the same program in unigo and as a Linux
// process: a trivial syscall (getpid) and a 1-byte read of a tmpfs file,
// which unigo hands off to its file-server goroutine.
func BenchmarkSyscallLatency(b *testing.B) {
	re := regexp.MustCompile(`getpid_ns=(\d+) pread1_ns=(\d+)`)
	var ug, up, lg, lp []float64
	for i := 0; i < b.N; i++ {
		out, err := exec.Command(unigoBin, "run", "-accel", accel, images["latency"]).Output()
		m := re.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			b.Fatalf("unigo: %v %q", err, out)
		}
		g, _ := strconv.ParseFloat(m[1], 64)
		p, _ := strconv.ParseFloat(m[2], 64)
		ug, up = append(ug, g), append(up, p)
		out, err = exec.Command(natives["latency"]).Output()
		m = re.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			b.Fatalf("linux: %v %q", err, out)
		}
		g, _ = strconv.ParseFloat(m[1], 64)
		p, _ = strconv.ParseFloat(m[2], 64)
		lg, lp = append(lg, g), append(lp, p)
	}
	b.ReportMetric(median(ug), "unigo-getpid-ns")
	b.ReportMetric(median(lg), "linux-getpid-ns")
	b.ReportMetric(median(up), "unigo-pread1-ns")
	b.ReportMetric(median(lp), "linux-pread1-ns")
}

// linuxGuest boots app/httpd's Linux build as /app of a Linux guest (Debian's
// kernel; see tools/linuxvm) forwarding host port to 8080.
func linuxGuest(tb testing.TB, port int) *exec.Cmd {
	tb.Helper()
	cache := filepath.Join(os.TempDir(), "unigo-bench-cache")
	vmlinuz, modules, err := linuxvm.Kernel(cache)
	if err != nil {
		tb.Fatal(err)
	}
	initrd := filepath.Join(work, "linux-initrd.cpio")
	if _, err := os.Stat(initrd); err != nil {
		if err := linuxvm.Initramfs(initrd, "..", modules, natives["httpd"], nil); err != nil {
			tb.Fatal(err)
		}
	}
	accelUsed := accel
	if accelUsed == "auto" {
		accelUsed = "tcg"
		if qemu.KVMAvailable() {
			accelUsed = "kvm"
		}
	}
	cmd := exec.Command(qemu.Binary, linuxvm.Args(vmlinuz, initrd, accelUsed, 128, []string{fmt.Sprintf("tcp:%d:8080", port)})...)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// BenchmarkHTTP measures app/httpd's small page with wrk (Debian's
// package), side by side: (a) unigo on microvm, (b) the same program as
// the only process of a Linux guest on the same QEMU machine, memory,
// vCPUs and network backend, and (c) a native Linux process.
func BenchmarkHTTP(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is missing: apt-get install -y wrk (make bench does this)")
	}
	run := func(url string) (rps, p50, p99 float64) {
		out, err := exec.Command("wrk", "-t1", "-c8", "-d5s", "--latency", url).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		return wrkStats(b, string(out))
	}
	var results [3][3][]float64
	for i := 0; i < b.N; i++ {
		port := freePortB(b)
		g := exec.Command(unigoBin, "run", "-accel", accel, "-p", fmt.Sprintf("%d:8080", port), images["httpd"], "--", "-root", "/www")
		if err := g.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { g.Process.Kill(); g.Wait() }) // also when a wait below fails
		url := fmt.Sprintf("http://127.0.0.1:%d/hello", port)
		waitHTTP(b, url)
		rps, p50, p99 := run(url)
		g.Process.Kill()
		results[0][0], results[0][1], results[0][2] = append(results[0][0], rps), append(results[0][1], p50), append(results[0][2], p99)

		port = freePortB(b)
		n := exec.Command(natives["httpd"], "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-root", "../app/httpd/www")
		if err := n.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { n.Process.Kill(); n.Wait() })
		url = fmt.Sprintf("http://127.0.0.1:%d/hello", port)
		waitHTTP(b, url)
		rps, p50, p99 = run(url)
		n.Process.Kill()
		results[1][0], results[1][1], results[1][2] = append(results[1][0], rps), append(results[1][1], p50), append(results[1][2], p99)

		port = freePortB(b)
		vm := linuxGuest(b, port)
		url = fmt.Sprintf("http://127.0.0.1:%d/hello", port)
		waitHTTP(b, url)
		rps, p50, p99 = run(url)
		vm.Process.Kill()
		results[2][0], results[2][1], results[2][2] = append(results[2][0], rps), append(results[2][1], p50), append(results[2][2], p99)
	}
	for i, name := range []string{"unigo", "linux", "linuxvm"} {
		b.ReportMetric(median(results[i][0]), name+"-req/s")
		b.ReportMetric(median(results[i][1]), name+"-p50-ms")
		b.ReportMetric(median(results[i][2]), name+"-p99-ms")
	}
}

var wrkLatency = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)

// wrkStats reads requests/s and the p50/p99 latencies (ms) from wrk --latency.
func wrkStats(b *testing.B, out string) (rps, p50, p99 float64) {
	m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no Requests/sec in wrk output:\n%s", out)
	}
	rps, _ = strconv.ParseFloat(m[1], 64)
	for _, l := range wrkLatency.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(l[2], 64)
		switch l[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if l[1] == "50" {
			p50 = v
		} else {
			p99 = v
		}
	}
	return rps, p50, p99
}

// waitHTTP waits until url answers httpd's /hello, which also checks
// that every variant serves the same page.
func waitHTTP(b *testing.B, url string) {
	for end := time.Now().Add(3 * time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(url); err == nil {
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if string(body) != "hello\n" {
				b.Fatalf("%s answered %q, want httpd's hello", url, body)
			}
			return
		}
	}
	b.Fatalf("%s never answered", url)
}

func freePortB(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
