package qemu_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestACPIPlatform: on q35 the kernel finds the ACPI tables (the RSDP by
// the legacy search, as SeaBIOS leaves PVH's rsdp_paddr empty), takes
// the PCI configuration space from MCFG's ECAM window, and drives the
// virtio-9p device found there; on pc, which has no MCFG, it uses the
// 0xCF8/0xCFC ports; microvm runs without ACPI.
func TestACPIPlatform(t *testing.T) {
	dir := shareTree(t)
	for _, c := range []struct {
		machine string
		want    string // regexp over stderr
	}{
		{"q35", `unigo: ACPI BOCHS: tables \[FACP APIC HPET MCFG WAET DSDT\]; 1 CPUs; PCI through ECAM at 0xb0000000, buses 0-255`},
		{"pc", `unigo: ACPI BOCHS: tables \[FACP APIC HPET WAET DSDT\]; 1 CPUs; PCI through ports 0xCF8/0xCFC`},
	} {
		t.Run(c.machine, func(t *testing.T) {
			r := boot(t, "share", []string{"-v", "-machine", c.machine, "-net", "none", "-share", dir + ":/mnt"}, "/mnt")
			if r.code != 0 || !strings.Contains(r.stdout, "big.bin -rw------- 300000") {
				t.Fatalf("share on %s = status %d\n%s%s", c.machine, r.code, r.stdout, r.stderr)
			}
			if !regexp.MustCompile(c.want).MatchString(r.stderr) {
				t.Errorf("stderr on %s lacks %q:\n%s", c.machine, c.want, r.stderr)
			}
			if strings.Contains(r.stderr, "unigo: ACPI: ") {
				t.Errorf("ACPI problems reported on %s:\n%s", c.machine, r.stderr)
			}
		})
	}
	r := boot(t, "share", []string{"-v", "-net", "none", "-share", dir + ":/mnt"}, "/mnt")
	if r.code != 0 || strings.Contains(r.stderr, "unigo: ACPI") {
		t.Errorf("microvm (no ACPI) = status %d, stderr:\n%s", r.code, r.stderr)
	}
}
