package qemu_test

import (
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

// BenchmarkSyscallLatency runs the same program in unigo and as a Linux
// process: a trivial syscall (getpid), a 1-byte read of a tmpfs file and
// a 1-byte read of a loopback TCP socket that holds data (both of which
// unigo hands off to its server goroutine), and a 1-byte TCP ping-pong
// over loopback.
func BenchmarkSyscallLatency(b *testing.B) {
	names := []string{"getpid", "pread1", "sockread1", "tcprtt"}
	re := regexp.MustCompile(`getpid_ns=(\d+) pread1_ns=(\d+) sockread1_ns=(\d+) tcprtt_ns=(\d+)`)
	unigo := make([][]float64, len(names))
	linux := make([][]float64, len(names))
	collect := func(who string, into [][]float64, cmd *exec.Cmd) {
		out, err := cmd.Output()
		m := re.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			b.Fatalf("%s: %v %q", who, err, out)
		}
		for i := range names {
			v, _ := strconv.ParseFloat(m[i+1], 64)
			into[i] = append(into[i], v)
		}
	}
	for i := 0; i < b.N; i++ {
		collect("unigo", unigo, exec.Command(unigoBin, "run", "-accel", accel, images["latency"]))
		collect("linux", linux, exec.Command(natives["latency"]))
	}
	for i, n := range names {
		b.ReportMetric(median(unigo[i]), "unigo-"+n+"-ns")
		b.ReportMetric(median(linux[i]), "linux-"+n+"-ns")
	}
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
