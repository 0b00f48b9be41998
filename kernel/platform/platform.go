// Package platform is the bus and platform layer under the drivers that
// run as ordinary Go code in a unigo guest (the network stack in
// unigo/netstack, the host-directory shares and the entropy device in
// unigo/kernel). Once, at the first look-up, it works out the board
// (board.go: ACPI tables through drivers/acpi, or microvm's command
// line), probes the virtio-mmio windows and scans PCI (through ECAM or
// the I/O ports, drivers/pci). It maps device registers, allocates DMA
// memory, hands out interrupt lines and MSI vectors (lines.go) and opens
// interrupt lines as pollable files, all through the kernel's private
// system calls (kernel/sys/devices.go).
//
// Wire a virtio driver in:
//
//	found, err := platform.FindVirtio(virtio.DeviceNet)
//	drv := driver.New(found[0].Transport, platform.DMA)
//	irq, err := platform.OpenIRQ(found[0].Line)
//
// A PCI driver: platform.FindPCI(vendor, device), platform.AllocMSI and
// pci.SetupMSIX, platform.OpenIRQ(msi.Line).
package platform

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"unigo/drivers/pci"
	"unigo/drivers/virtio"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/cpu"
	"unigo/kernel/sys"
)

// irqMSI, or'ed into a line, opens it as a message-signalled interrupt's.
const irqMSI = unigo.IRQMSI

// PCI device ids (§4.1.2.1): modern devices are 0x1040 + the virtio
// device id; transitional ones have ids from 0x1000.
const (
	pciModernBase = 0x1040
)

var pciTransitional = map[uint32]uint16{
	virtio.DeviceNet:     0x1000,
	virtio.DeviceEntropy: 0x1005,
	virtio.Device9P:      0x1009,
}

// Found is one virtio device.
type Found struct {
	Transport virtio.Transport
	Line      int    // for OpenIRQ
	Where     string // for messages: "virtio-mmio window 3", "PCI 00:04.0", "virtio-mmio at 0xfeb00e00 (IRQ 12, from the command line)"
}

// The board is worked out and the buses probed once: the entropy
// device, the shares and the NIC are looked up one after the other at
// boot, each on the same buses.
var (
	probeOnce sync.Once
	board     Board
	mmioFound []mmioDevice // the virtio-mmio windows that hold a device
	pciFound  []pciDevice
	probeErr  error
	findMu    sync.Mutex // serialises look-ups: they allocate lines
)

// mmioDevice is a device found in a virtio-mmio window.
type mmioDevice struct {
	mmioWindow
	regs    virtio.Registers
	id      uint32 // virtio device id
	lineErr error  // why its GSI has no line
}

// pciDevice is a PCI function and, once a virtio look-up has given it
// one, its MSI line.
type pciDevice struct {
	pci.Device
	msi    MSI
	hasMSI bool
}

func probe() {
	b, notes := selectBoard(readTables(), sys.Cmdline)
	board = b
	for _, n := range notes {
		report("%s", n)
	}
	if sys.Verbose && b.Tables != nil {
		report("%s", b.describe())
	}
	for _, w := range b.mmio {
		regs, err := w.registers()
		if err != nil {
			report("%s: %v", w.where, err)
			continue
		}
		t, err := virtio.NewMMIO(regs)
		if errors.Is(err, virtio.ErrNoDevice) {
			continue
		}
		if err != nil {
			probeErr = fmt.Errorf("%s: %w", w.where, err)
			return
		}
		d := mmioDevice{mmioWindow: w, regs: regs, id: t.DeviceID()}
		_, d.lineErr = ClaimGSI(w.gsi, fmt.Sprintf("%s: virtio device %d", w.where, d.id))
		mmioFound = append(mmioFound, d)
		if sys.Verbose {
			report("%s: virtio device %d", w.where, t.DeviceID())
		}
	}
	for _, d := range pci.Scan(b.PCI) {
		pciFound = append(pciFound, pciDevice{Device: d})
	}
}

// Machine returns the board, probing it on first use.
func Machine() Board {
	probeOnce.Do(probe)
	return board
}

// FindPCI returns every PCI function with the vendor and device id: its
// configuration-space accessor (pci.Config: BARs, capabilities, MSI).
func FindPCI(vendor, device uint16) []pci.Device {
	probeOnce.Do(probe)
	var out []pci.Device
	for _, d := range pciFound {
		if d.Vendor == vendor && d.ID == device {
			out = append(out, d.Device)
		}
	}
	return out
}

// FindVirtio returns the devices of virtio device id, each with its
// transport and interrupt line: on virtio-mmio (the windows the command
// line names, or microvm's), or else on PCI (q35, pc), where each device
// gets an MSI line of its own (the same one at every look-up).
func FindVirtio(id uint32) ([]Found, error) {
	probeOnce.Do(probe)
	if probeErr != nil {
		return nil, probeErr
	}
	findMu.Lock()
	defer findMu.Unlock()
	var out []Found
	for _, d := range mmioFound {
		if d.id != id {
			continue
		}
		if d.lineErr != nil {
			return out, d.lineErr
		}
		t, err := virtio.NewMMIO(d.regs)
		if err != nil {
			return out, fmt.Errorf("%s: %w", d.where, err)
		}
		out = append(out, Found{Transport: t, Line: d.gsi, Where: d.where})
	}
	if len(out) > 0 {
		return out, nil
	}
	for i := range pciFound {
		d := &pciFound[i]
		if !isVirtio(d.Device, id) {
			continue
		}
		where := fmt.Sprintf("PCI %02x:%02x.%d", d.Config.Bus, d.Config.Slot, d.Config.Func)
		if !d.hasMSI {
			msi, err := AllocMSI(fmt.Sprintf("%s (virtio device %d)", where, id))
			if err != nil {
				return out, err
			}
			d.msi, d.hasMSI = msi, true
		}
		var t virtio.Transport
		t, err := virtio.NewPCI(d.Config, MapWindow, d.msi.Vector)
		if errors.Is(err, virtio.ErrLegacyOnly) && d.ID == pciTransitional[id] {
			t, err = legacyPCI(d.Config, d.msi.Vector)
			where += " (legacy interface)"
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, Found{Transport: t, Line: d.msi.Line, Where: where})
	}
	return out, nil
}

// isVirtio reports whether d is a virtio-pci device of virtio device id,
// modern or transitional.
func isVirtio(d pci.Device, id uint32) bool {
	return d.Vendor == virtio.VendorVirtio && (uint32(d.ID) == pciModernBase+id || d.ID != 0 && d.ID == pciTransitional[id])
}

// legacyPCI drives a device through the pre-1.0 interface: its
// registers are I/O ports in BAR 0 (virtio v1.2 §4.1.4.10). Its
// interrupts must come as MSI-X messages: the kernel routes no PCI INTx
// lines.
func legacyPCI(c pci.Config, vector uint8) (virtio.Transport, error) {
	port, ok := c.IOBAR(0)
	if !ok {
		return nil, errors.New("legacy virtio device without an I/O BAR 0")
	}
	t, err := virtio.NewLegacyPCI(c, ports(port), MapWindow, vector)
	if err != nil {
		return nil, err
	}
	if !t.MSIX() {
		return nil, errors.New("legacy virtio device without MSI-X (INTx is not routed)")
	}
	return t, nil
}

// ports is a register block in I/O space (virtio.Window).
type ports uint16

func (p ports) Read8(off uintptr) uint8       { return cpu.In8(uint16(p) + uint16(off)) }
func (p ports) Write8(off uintptr, v uint8)   { cpu.Out8(uint16(p)+uint16(off), v) }
func (p ports) Read16(off uintptr) uint16     { return cpu.In16(uint16(p) + uint16(off)) }
func (p ports) Write16(off uintptr, v uint16) { cpu.Out16(uint16(p)+uint16(off), v) }
func (p ports) Read32(off uintptr) uint32     { return cpu.In32(uint16(p) + uint16(off)) }
func (p ports) Write32(off uintptr, v uint32) { cpu.Out32(uint16(p)+uint16(off), v) }

// WaitIRQ opens an interrupt line and returns a wait function for a
// driver that blocks until its device answers (virtio9p, virtiorng):
// each call parks the goroutine until the device interrupts.
func WaitIRQ(line int) (func() error, error) {
	irq, err := OpenIRQ(line)
	if err != nil {
		return nil, err
	}
	var count [8]byte
	return func() error { _, err := irq.Read(count[:]); return err }, nil
}

// OpenIRQ opens an interrupt line (from Found, AllocMSI or ClaimGSI) as
// a file: a read blocks (parking the goroutine on Go's netpoller) until
// the device interrupts.
func OpenIRQ(line int) (*os.File, error) {
	fd, _, e := syscall.RawSyscall(unigo.SysIRQOpen, uintptr(line), 0, 0)
	if e != 0 {
		return nil, fmt.Errorf("interrupt line %d: %v", line&^irqMSI, e)
	}
	return os.NewFile(fd, fmt.Sprintf("irq-%d", line&^irqMSI)), nil
}

func report(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "unigo: "+format+"\n", args...)
}
