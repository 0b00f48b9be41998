package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine describes the host a run measured on.
type Machine struct {
	CPU       string  // model name, from /proc/cpuinfo
	Cores     int     // logical CPUs (processor entries in /proc/cpuinfo)
	MemoryGiB float64 // MemTotal
	Kernel    string  // "Linux 6.8.0-45-generic x86_64"
	QEMU      string  // qemu-system-x86_64 --version, or "not installed"
	Go        string  // runtime.Version() of the bench binary
	KVM       string  // "KVM" when /dev/kvm opens read-write, else "none: TCG"
}

// qemuBinary is the QEMU whose version DescribeMachine reports; tests
// point it elsewhere so as not to run QEMU.
var qemuBinary = "qemu-system-x86_64"

// DescribeMachine describes this machine. Parts it cannot read are
// "unknown" (or 0); it does not fail.
func DescribeMachine() Machine {
	m := Machine{Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU, m.Cores = parseCPUInfo(string(b))
	}
	if m.CPU == "" {
		m.CPU = "unknown"
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryGiB, _ = parseMemInfo(string(b))
	}
	m.Kernel = "unknown"
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = kernelString(unix.ByteSliceToString(u.Sysname[:]),
			unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:]))
	}
	m.QEMU = qemuVersion(qemuBinary)
	m.KVM = "none: TCG"
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err == nil {
		f.Close()
		m.KVM = "KVM"
	}
	return m
}

// parseCPUInfo returns the first model name in a /proc/cpuinfo and the
// number of processor entries. Architectures without "model name" fall
// back to "Hardware" or "cpu model".
func parseCPUInfo(s string) (model string, cpus int) {
	fallback := ""
	for line := range strings.Lines(s) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Join(strings.Fields(v), " ")
		switch k {
		case "processor":
			cpus++
		case "model name":
			if model == "" {
				model = v
			}
		case "Hardware", "cpu model":
			if fallback == "" {
				fallback = v
			}
		}
	}
	if model == "" {
		model = fallback
	}
	return model, cpus
}

// parseMemInfo returns MemTotal of a /proc/meminfo in GiB.
func parseMemInfo(s string) (float64, error) {
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("meminfo MemTotal: %v", err)
			}
			if len(f) > 2 && f[2] != "kB" {
				return 0, fmt.Errorf("meminfo MemTotal in %q, want kB", f[2])
			}
			return float64(kb) / (1 << 20), nil
		}
	}
	return 0, fmt.Errorf("no MemTotal in meminfo")
}

func kernelString(sysname, release, machine string) string {
	return strings.Join(strings.Fields(sysname+" "+release+" "+machine), " ")
}

// qemuVersion runs bin --version and returns its version, or
// "not installed" when bin is not on $PATH.
func qemuVersion(bin string) string {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "not installed"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("unknown (%s --version: %v)", bin, err)
	}
	return parseQEMUVersion(out.String())
}

// parseQEMUVersion returns the version from `qemu-system-x86_64
// --version` output: "8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)" from its first
// line "QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)".
func parseQEMUVersion(out string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	line = strings.TrimSpace(line)
	if v, ok := strings.CutPrefix(line, "QEMU emulator version "); ok {
		return v
	}
	if line == "" {
		return "unknown"
	}
	return line
}

// lines returns the machine as labelled lines for Document.
func (m Machine) lines() [][2]string {
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	cpu := or(m.CPU)
	if m.Cores > 0 {
		cpu += fmt.Sprintf(", %d logical CPUs", m.Cores)
	}
	mem := "unknown"
	if m.MemoryGiB > 0 {
		mem = fmt.Sprintf("%.1f GiB", m.MemoryGiB)
	}
	return [][2]string{
		{"CPU", cpu},
		{"Memory", mem},
		{"Kernel", or(m.Kernel)},
		{"QEMU", or(m.QEMU)},
		{"Go", or(m.Go)},
		{"Accelerator", or(m.KVM)},
	}
}
