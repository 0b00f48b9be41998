package qemu_test

import (
	"fmt"
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
	var got int
	for i := 0; i < b.N; i++ {
		got = qemu.Bisect(2, 128, func(mb int) bool {
			out, err := exec.Command(unigoBin, "run", "-accel", accel, "-timeout", "60s", "-m", strconv.Itoa(mb), images["hello"]).Output()
			return err == nil && len(out) > 0
		})
	}
	b.ReportMetric(float64(got), "min-MiB")
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

var _ = fmt.Sprint
