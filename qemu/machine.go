// Package qemu knows how to boot a unigo image under QEMU: the machine
// types unigo supports, the devices it wires (two UARTs for stdout and
// stderr, isa-debug-exit for the exit status, isa-debugcon as the control
// channel), and the accelerator choice. Its tests (boot_test.go) boot real
// images through the unigo CLI.
package qemu

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Binary is the QEMU system emulator unigo runs.
const Binary = "qemu-system-x86_64"

// InstallHint is what to run when QEMU is missing.
const InstallHint = "apt-get install -y qemu-system-x86"

// Config is one boot.
type Config struct {
	Kernel  string // image path as QEMU should load it
	Cmdline string
	Machine string // microvm, q35, pc
	Accel   string // kvm or tcg
	MemMB   int
	SMP     int
	// Host-side file descriptors (in the QEMU process) of the three channels.
	StdoutFD, StderrFD, ControlFD int
	// Net is "user" (QEMU's user-mode NAT), "tap:NAME", "none", or
	// "socket:listen:PORT" / "socket:connect:PORT": an Ethernet segment
	// between guests over a TCP connection on the host's loopback.
	Net string
	// MAC is the NIC's address ("" for QEMU's default 52:54:00:12:34:56).
	MAC string
	// Forwards are host-to-guest port forwards for user networking,
	// "tcp:HOSTPORT:GUESTPORT" or "udp:...".
	Forwards []string
	// Shares are host directories exported read-only over virtio-9p.
	Shares []Share
	// CPU is QEMU's -cpu model ("" picks one for the accelerator).
	CPU string
	// NIC is the network device model: "" or "virtio" (virtio 1.x), or
	// "virtio-legacy", a virtio-net-pci with only the legacy (pre-1.0)
	// interface (virtio v1.2 §4.1.4.10), on pc or q35, and without
	// mergeable receive buffers, so that frames carry the legacy 10-byte
	// header (§5.1.6.1) as the oldest hypervisors send it; or "e1000"
	// (Intel 82540EM) or "e1000e" (Intel 82574L), on pc or q35.
	NIC string
}

// Share is one host directory the guest mounts (unigo run -share).
type Share struct {
	Host  string // absolute host path
	Guest string // where the kernel mounts it
	Tag   string // the 9P mount tag that pairs the two
}

// rngArgs attaches a virtio entropy device (QEMU's default backend reads
// the host's getrandom): the kernel seeds getrandom from it at boot,
// which matters where the CPU model lacks RDRAND.
func rngArgs(c Config) []string {
	if c.Machine == "microvm" {
		return []string{"-device", "virtio-rng-device"}
	}
	return []string{"-device", "virtio-rng-pci"}
}

// KVMCPU is the CPU model under KVM: -cpu host aborts in nested setups,
// so a named model, plus RDRAND and RDSEED when the host has them (qemu64
// lacks both, and they seed getrandom).
func KVMCPU() string {
	cpu := "qemu64"
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				if f == "rdrand" || f == "rdseed" {
					cpu += ",+" + f
				}
			}
			break
		}
	}
	return cpu
}

// shareArgs exports each share through QEMU's local fsdev (read-only,
// security_model=none: files are read with QEMU's own permissions) and
// a virtio-9p device on the machine's virtio transport.
func shareArgs(c Config) []string {
	var args []string
	dev := "virtio-9p-pci"
	if c.Machine == "microvm" {
		dev = "virtio-9p-device"
	}
	for i, s := range c.Shares {
		id := fmt.Sprintf("fs%d", i)
		// QEMU's option syntax doubles commas inside values.
		path := strings.ReplaceAll(s.Host, ",", ",,")
		args = append(args,
			"-fsdev", "local,id="+id+",path="+path+",security_model=none,readonly=on",
			"-device", dev+",fsdev="+id+",mount_tag="+s.Tag)
	}
	return args
}

// netArgs wires one virtio-net NIC: virtio-mmio on microvm (the kernel's
// driver), virtio-pci elsewhere.
func netArgs(c Config) ([]string, error) {
	var netdev string
	switch {
	case c.Net == "" || c.Net == "none":
		return nil, nil
	case c.Net == "user":
		netdev = "user,id=n0"
		for _, f := range c.Forwards {
			p := strings.Split(f, ":")
			if len(p) != 3 {
				return nil, fmt.Errorf("bad port forward %q", f)
			}
			netdev += ",hostfwd=" + p[0] + ":127.0.0.1:" + p[1] + "-:" + p[2]
		}
	case strings.HasPrefix(c.Net, "socket:listen:") || strings.HasPrefix(c.Net, "socket:connect:"):
		p := strings.Split(c.Net, ":")
		if len(p) != 3 || len(c.Forwards) > 0 {
			return nil, fmt.Errorf("bad -net %q (want socket:listen:PORT or socket:connect:PORT, without -p)", c.Net)
		}
		netdev = "socket,id=n0," + p[1] + "=127.0.0.1:" + p[2]
	case strings.HasPrefix(c.Net, "tap:"):
		if len(c.Forwards) > 0 {
			return nil, errors.New("-p needs -net user")
		}
		netdev = "tap,id=n0,script=no,downscript=no,ifname=" + strings.TrimPrefix(c.Net, "tap:")
	default:
		return nil, fmt.Errorf("unknown -net %q (want user, tap:NAME, socket:listen:PORT, socket:connect:PORT or none)", c.Net)
	}
	dev := "virtio-net-pci,netdev=n0"
	switch {
	case c.NIC != "" && c.NIC != "virtio" && c.Machine == "microvm":
		return nil, fmt.Errorf("the %s NIC is a PCI device: it needs -machine pc or q35", c.NIC)
	case c.NIC == "virtio-legacy":
		dev = "virtio-net-pci,disable-modern=on,disable-legacy=off,mrg_rxbuf=off,netdev=n0"
	case c.NIC == "e1000" || c.NIC == "e1000e":
		dev = c.NIC + ",netdev=n0"
	case c.NIC != "" && c.NIC != "virtio":
		return nil, fmt.Errorf("unknown NIC model %q (want virtio, virtio-legacy, e1000 or e1000e)", c.NIC)
	case c.Machine == "microvm":
		dev = "virtio-net-device,netdev=n0"
	}
	if c.MAC != "" {
		if _, err := net.ParseMAC(c.MAC); err != nil {
			return nil, fmt.Errorf("bad -mac %q: %v", c.MAC, err)
		}
		dev += ",mac=" + c.MAC
	}
	return []string{"-netdev", netdev, "-device", dev}, nil
}

// Ports shared with the guest (drivers/uart16550, drivers/qemudebug).
const (
	com1, com2     = "0x3f8", "0x2f8"
	debugExitPort  = "0xf4"
	controlPort    = "0xe9"
	DebugExitShift = 1 // QEMU exits with (value << 1) | 1
)

// Machines lists the supported machine types.
var Machines = []string{"microvm", "q35", "pc"}

// KVMAvailable reports whether /dev/kvm can be opened.
func KVMAvailable() bool {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// Args returns QEMU's command line for c.
func Args(c Config) ([]string, error) {
	var machine string
	switch c.Machine {
	case "microvm":
		// No option ROMs, no legacy PIC (we use the local APIC), no default
		// serial (we add both UARTs ourselves), no ACPI tables to build.
		// auto-kernel-cmdline=on appends virtio_mmio.device=512@ADDR:IRQ
		// per attached device (hw/i386/microvm.c; only without ACPI): the
		// kernel finds its devices there (kernel/platform/board_microvm.go) as it
		// would under Firecracker, rather than by probing microvm's layout.
		machine = "microvm,x-option-roms=off,pic=off,isa-serial=off,rtc=on,pit=on,acpi=off,auto-kernel-cmdline=on"
	case "q35", "pc":
		machine = c.Machine
	default:
		return nil, fmt.Errorf("unknown machine %q (want microvm, q35 or pc)", c.Machine)
	}
	cpu := "max" // TCG: RDRAND, RDSEED and the rest it can emulate
	switch c.Accel {
	case "kvm":
		cpu = KVMCPU()
	case "tcg":
	default:
		return nil, fmt.Errorf("unknown accelerator %q (want kvm or tcg)", c.Accel)
	}
	if c.CPU != "" {
		cpu = c.CPU
	}
	fd := func(n int) string { return "/dev/fd/" + strconv.Itoa(n) }
	nic, err := netArgs(c)
	if err != nil {
		return nil, err
	}
	args := []string{
		"-M", machine, "-accel", c.Accel, "-cpu", cpu,
		"-m", strconv.Itoa(c.MemMB), "-smp", strconv.Itoa(c.SMP),
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", c.Kernel, "-append", c.Cmdline,
		"-chardev", "file,id=out,path=" + fd(c.StdoutFD),
		"-chardev", "file,id=err,path=" + fd(c.StderrFD),
		"-chardev", "file,id=ctl,path=" + fd(c.ControlFD),
		"-device", "isa-serial,chardev=out,iobase=" + com1 + ",irq=4",
		"-device", "isa-serial,chardev=err,iobase=" + com2 + ",irq=3",
		"-device", "isa-debugcon,chardev=ctl,iobase=" + controlPort,
		"-device", "isa-debug-exit,iobase=" + debugExitPort + ",iosize=0x01",
		// virtio 1.x on virtio-mmio (QEMU defaults to legacy transports).
		"-global", "virtio-mmio.force-legacy=false",
	}
	args = append(args, nic...)
	args = append(args, rngArgs(c)...)
	return append(args, shareArgs(c)...), nil
}

// Find returns QEMU's path or an error that says how to install it.
func Find() (string, error) {
	p, err := exec.LookPath(Binary)
	if err != nil {
		return "", fmt.Errorf("%s not found: install it with: %s", Binary, InstallHint)
	}
	return p, nil
}
