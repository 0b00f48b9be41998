package report

import (
	"math"
	"runtime"
	"testing"
)

const cpuinfoX86 = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 1
model name	: AMD EPYC 7B13  64-Core Processor
cache size	: 512 KB
flags		: fpu vme de pse

processor	: 1
vendor_id	: AuthenticAMD
model name	: AMD EPYC 7B13  64-Core Processor

processor	: 2
model name	: AMD EPYC 7B13  64-Core Processor

processor	: 3
model name	: AMD EPYC 7B13  64-Core Processor
`

const cpuinfoArm = `processor	: 0
BogoMIPS	: 108.00
CPU part	: 0xd08

processor	: 1
BogoMIPS	: 108.00

Hardware	: BCM2835
Revision	: c03111
`

func TestParseCPUInfo(t *testing.T) {
	tests := []struct {
		name, in  string
		wantModel string
		wantCPUs  int
	}{
		{"x86", cpuinfoX86, "AMD EPYC 7B13 64-Core Processor", 4},
		{"arm", cpuinfoArm, "BCM2835", 2},
		{"empty", "", "", 0},
	}
	for _, tt := range tests {
		model, cpus := parseCPUInfo(tt.in)
		if model != tt.wantModel || cpus != tt.wantCPUs {
			t.Errorf("parseCPUInfo(%s) = %q, %d; want %q, %d", tt.name, model, cpus, tt.wantModel, tt.wantCPUs)
		}
	}
}

func TestParseMemInfo(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"MemTotal:       32816292 kB\nMemFree:         1234 kB\n", 32816292.0 / (1 << 20), false},
		{"MemFree:  1 kB\nMemTotal: 1048576 kB\n", 1, false},
		{"MemFree:  1 kB\n", 0, true},
		{"MemTotal: lots kB\n", 0, true},
		{"MemTotal: 1048576 MB\n", 0, true},
	}
	for _, tt := range tests {
		got, err := parseMemInfo(tt.in)
		if (err != nil) != tt.wantErr || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("parseMemInfo(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseQEMUVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)\nCopyright (c) 2003-2023 Fabrice Bellard and the QEMU Project developers\n", "8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)"},
		{"QEMU emulator version 9.1.0\n", "9.1.0"},
		{"something else 1.0\n", "something else 1.0"},
		{"", "unknown"},
	}
	for _, tt := range tests {
		if got := parseQEMUVersion(tt.in); got != tt.want {
			t.Errorf("parseQEMUVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKernelString(t *testing.T) {
	if got, want := kernelString("Linux", "6.8.0-45-generic", "x86_64"), "Linux 6.8.0-45-generic x86_64"; got != want {
		t.Errorf("kernelString(Linux, 6.8.0-45-generic, x86_64) = %q, want %q", got, want)
	}
	if got, want := kernelString("Linux", "", "x86_64"), "Linux x86_64"; got != want {
		t.Errorf("kernelString(Linux, \"\", x86_64) = %q, want %q", got, want)
	}
}

// TestDescribeMachine checks what DescribeMachine reads on this host,
// without running QEMU.
func TestDescribeMachine(t *testing.T) {
	old := qemuBinary
	qemuBinary = "qemu-system-does-not-exist"
	defer func() { qemuBinary = old }()
	m := DescribeMachine()
	if m.QEMU != "not installed" {
		t.Errorf("DescribeMachine().QEMU with no QEMU = %q, want %q", m.QEMU, "not installed")
	}
	if m.Go != runtime.Version() {
		t.Errorf("DescribeMachine().Go = %q, want %q", m.Go, runtime.Version())
	}
	if m.KVM != "KVM" && m.KVM != "none: TCG" {
		t.Errorf(`DescribeMachine().KVM = %q, want "KVM" or "none: TCG"`, m.KVM)
	}
	if runtime.GOOS == "linux" {
		if m.Cores < 1 || m.MemoryGiB <= 0 || m.CPU == "" || m.Kernel == "unknown" {
			t.Errorf("DescribeMachine() = %+v, want CPUs, memory, a CPU model and a kernel", m)
		}
	}
	t.Logf("%+v", m)
}
