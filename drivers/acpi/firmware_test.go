package acpi

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// readFirmware reads the tables a Firecracker VM's firmware gave its
// guest (testdata/firecracker/README).
func readFirmware(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "firecracker", name+".bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFirecrackerTables(t *testing.T) {
	s := newSystem(t)
	apic, facp, mcfgT := readFirmware(t, "APIC"), readFirmware(t, "FACP"), readFirmware(t, "MCFG")
	// The FADT's X_DSDT is 0x9FD44; the DSDT itself (AML) is not kept,
	// so a stand-in goes there.
	s.placeAt(0x9FD44, stdDSDT)
	addrs := []uint64{s.place(facp), s.place(apic), s.place(mcfgT)}
	s.placeAt(0xE0000, rsdpV2(0, s.place(xsdt(addrs...))))
	if got, err := FindRSDP(s.mem); got != 0xE0000 || err != nil {
		t.Errorf("FindRSDP() = %#x, %v, want 0xe0000", got, err)
	}
	tb, err := Parse(s.mem, 0xE0000)
	if err != nil {
		t.Fatalf("Parse() error %v", err)
	}
	if len(tb.Errors) != 0 {
		t.Errorf("Parse().Errors = %v, want none", tb.Errors)
	}
	if want := []string{"FACP", "APIC", "MCFG", "DSDT"}; !reflect.DeepEqual(tb.Signatures, want) {
		t.Errorf("Parse().Signatures = %q, want %q", tb.Signatures, want)
	}
	wantMADT := &MADT{
		LocalAPICAddress: 0xFEE00000,
		CPUs:             []LocalAPIC{{APICID: 0, Enabled: true}, {ProcessorUID: 1, APICID: 1, Enabled: true}},
		IOAPICs:          []IOAPIC{{ID: 0, Address: 0xFEC00000, GSIBase: 0}},
	}
	if !reflect.DeepEqual(tb.MADT, wantMADT) {
		t.Errorf("Parse().MADT = %+v, want %+v", tb.MADT, wantMADT)
	}
	if want := []MCFGEntry{{Base: 0xEEC00000}}; !reflect.DeepEqual(tb.MCFG, want) {
		t.Errorf("Parse().MCFG = %+v, want %+v", tb.MCFG, want)
	}
	f := tb.FADT
	if f == nil {
		t.Fatalf("Parse().FADT = nil")
	}
	if f.Revision != 6 || f.MinorVersion != 5 || f.DSDT != 0x9FD44 || f.HypervisorVendor != "FIRECKVM" {
		t.Errorf("Parse().FADT revision %d.%d, DSDT %#x, hypervisor %q, want 6.5, 0x9fd44, FIRECKVM", f.Revision, f.MinorVersion, f.DSDT, f.HypervisorVendor)
	}
	if !f.HardwareReduced() || !f.VGANotPresent() || f.Has8042() || f.LegacyDevices() || f.ResetSupported() {
		t.Errorf("Parse().FADT flags %#x, boot arch %#x: want hardware-reduced, no VGA, no 8042, no legacy devices, no reset register", f.Flags, f.IAPCBootArch)
	}
	if f.SCIInterrupt != 0 || f.PM1aControl() != (GAS{}) {
		t.Errorf("Parse().FADT SCI %d, PM1a control %+v, want none (hardware-reduced)", f.SCIInterrupt, f.PM1aControl())
	}
}
