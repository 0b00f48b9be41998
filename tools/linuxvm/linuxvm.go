// Package linuxvm prepares the Linux guest the benchmarks compare unigo
// with: Debian's linux-image-amd64 kernel (fetched with apt-get download
// and unpacked into a cache, so nothing is installed on the host) and an
// initramfs, packed with u-root's cpio, whose /init (./init) loads the
// virtio network modules, configures eth0 and executes the program.
package linuxvm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"
)

// Kernel returns the path of Debian's kernel image and its modules
// directory, downloading and unpacking the package into cache if needed.
func Kernel(cache string) (vmlinuz, modules string, err error) {
	dir := filepath.Join(cache, "linux")
	if k, m := find(dir); k != "" {
		return k, m, nil
	}
	out, err := exec.Command("apt-cache", "depends", "linux-image-amd64").Output()
	if err != nil {
		return "", "", fmt.Errorf("apt-cache depends linux-image-amd64: %v (run apt-get update)", err)
	}
	pkg := ""
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
			pkg = f[1]
		}
	}
	if pkg == "" {
		return "", "", errors.New("cannot tell which kernel package linux-image-amd64 depends on")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	get := exec.Command("apt-get", "download", pkg)
	get.Dir = cache
	if out, err := get.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("apt-get download %s: %v\n%s", pkg, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(cache, pkg+"_*.deb"))
	if len(debs) == 0 {
		return "", "", fmt.Errorf("apt-get download %s left no package", pkg)
	}
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], dir).CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	os.Remove(debs[0])
	k, m := find(dir)
	if k == "" {
		return "", "", errors.New("the kernel package has no /boot/vmlinuz")
	}
	return k, m, nil
}

func find(dir string) (vmlinuz, modules string) {
	ks, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	ms, _ := filepath.Glob(filepath.Join(dir, "lib", "modules", "*"))
	if len(ks) == 0 || len(ms) == 0 {
		return "", ""
	}
	return ks[0], ms[0]
}

// moduleFiles are the modules /init loads, by their place in the tree.
var moduleFiles = []string{
	"kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
	"kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
	"kernel/drivers/virtio/virtio_pci_legacy_dev.ko", "kernel/drivers/virtio/virtio_pci.ko",
	"kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko", "kernel/drivers/net/virtio_net.ko",
}

// Initramfs writes a newc archive holding /init (built from ./init), the
// modules, /dev/console and app as /app, plus extra files (guest path ->
// host path).
func Initramfs(out, root, modules, app string, extra map[string]string) error {
	tmp, err := os.MkdirTemp("", "linuxvm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	initBin := filepath.Join(tmp, "init")
	build := exec.Command("go", "build", "-o", initBin, "./tools/linuxvm/init")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building /init: %v\n%s", err, b)
	}
	var recs []cpio.Record
	add := func(name, host string, perm uint64) error {
		b, err := os.ReadFile(host)
		if err != nil {
			return err
		}
		recs = append(recs, cpio.StaticFile(name, string(b), perm))
		return nil
	}
	recs = append(recs, cpio.Directory("dev", 0o755), cpio.CharDev("dev/console", 0o600, 5, 1), cpio.Directory("modules", 0o755))
	if err := add("init", initBin, 0o755); err != nil {
		return err
	}
	if err := add("app", app, 0o755); err != nil {
		return err
	}
	for _, m := range moduleFiles {
		if err := add("modules/"+filepath.Base(m), filepath.Join(modules, m), 0o644); err != nil {
			return err
		}
	}
	for guest, host := range extra {
		if err := add(guest, host, 0o644); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		return err
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// Config is one boot of the Linux guest.
type Config struct {
	Kernel, Initrd string
	Accel          string // kvm or tcg
	MemMB          int
	// Forwards are host port forwards "tcp:HOST:GUEST".
	Forwards []string
	// Serial is where the console (ttyS0) goes: a QEMU chardev
	// backend such as "stdio" or "file:PATH"; "" discards it.
	Serial string
	// AppArgs are passed to /app (after "--" on the kernel command line).
	AppArgs []string
}

// cmdline keeps the guest's boot quiet and short, with the options
// small-VM monitors commonly pass to Linux: skip the timer-IRQ check
// and the i8042 probe (microvm has no keyboard controller), and trust
// the TSC.
const cmdline = "console=ttyS0 quiet panic=-1 no_timer_check tsc=reliable " +
	"i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd"

// tscParam tells Linux the TSC's frequency under TCG. Linux calibrates
// the TSC against the PIT through port 0x61, which microvm lacks; with
// no HPET or ACPI PM timer either, it then gives up on the TSC
// ("Unable to calibrate against PIT") and boots on jiffies, which under
// TCG can take minutes or hang. TCG's guest TSC runs at the host's rate
// (QEMU reads the host TSC), so the host's frequency is the answer.
// Under KVM, Linux takes it from the hypervisor (kvm-clock).
func tscParam(accel string) string {
	if accel != "tcg" {
		return ""
	}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == "cpu MHz" {
			var mhz float64
			if _, err := fmt.Sscan(strings.TrimSpace(v), &mhz); err == nil && mhz > 0 {
				return fmt.Sprintf(" tsc_early_khz=%d", int(mhz*1000))
			}
		}
	}
	return ""
}

// Args is the QEMU command line booting the Linux guest on the same
// machine type and network backend as unigo (microvm, virtio-mmio, user
// networking). Unlike unigo's, it keeps microvm's ACPI tables: Debian's
// kernel finds virtio-mmio devices only there
// (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is off), and its PIT and PIC,
// which Linux calibrates and boots with.
func Args(c Config) []string {
	cpu := "max"
	if c.Accel == "kvm" {
		cpu = "qemu64"
	}
	netdev := "user,id=n0"
	for _, f := range c.Forwards {
		p := strings.Split(f, ":")
		netdev += ",hostfwd=" + p[0] + ":127.0.0.1:" + p[1] + "-:" + p[2]
	}
	serial := c.Serial
	if serial == "" {
		serial = "null"
	}
	appendLine := cmdline + tscParam(c.Accel)
	if len(c.AppArgs) > 0 {
		appendLine += " -- " + strings.Join(c.AppArgs, " ")
	}
	return []string{
		"-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on,acpi=on",
		"-accel", c.Accel, "-cpu", cpu, "-m", fmt.Sprint(c.MemMB), "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", serial,
		"-kernel", c.Kernel, "-initrd", c.Initrd, "-append", appendLine,
		"-global", "virtio-mmio.force-legacy=false",
		"-netdev", netdev, "-device", "virtio-net-device,netdev=n0",
	}
}
