// Package virtiodev finds virtio devices for the drivers that run as
// ordinary Go code in a unigo guest (the network stack in unigo/net, the
// host-directory shares in unigo/kernel): it probes the virtio-mmio
// windows that the kernel command line names (or else QEMU microvm's)
// and the PCI bus, maps device registers, allocates DMA memory and opens
// interrupt lines as pollable files, all through the kernel's private
// system calls (kernel/sys/handoff.go).
//
// Wire it in: for _, f := range Find(virtio.DeviceNet, line) { drv :=
// driver.New(f.Transport, DMA); irq, _ := OpenIRQ(f.Line) ... }.
package virtiodev

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"unigo/drivers/pci"
	"unigo/drivers/virtio"
	"unigo/kernel/cpu"
	"unigo/kernel/sys"
)

// MSI-X interrupt lines (vector sys.IRQVectorBase+line) of PCI devices,
// one per driver, counted down from the top so that they stay clear of
// the I/O APIC's GSIs that virtio-mmio uses.
const (
	LineNet    = 15
	LineShare0 = 14 // and 13, 12 for more shares
	LineRNG    = 11
)

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

// Found is one device.
type Found struct {
	Transport virtio.Transport
	Line      int    // for OpenIRQ
	Where     string // for messages: "virtio-mmio window 3", "PCI 00:04.0", "virtio-mmio at 0xfeb00e00 (IRQ 12, from the command line)"
}

// The buses are probed once: the entropy device, the shares and the NIC
// are looked up one after the other at boot, each on the same buses.
var (
	probeOnce  sync.Once
	mmioFound  []mmioDevice // the virtio-mmio windows that hold a device
	pciDevices []pci.Device
	probeErr   error
)

// mmioDevice is a device found in a virtio-mmio window.
type mmioDevice struct {
	mmioWindow
	regs virtio.Registers
	id   uint32 // virtio device id
}

func probe() {
	windows, errs := mmioWindows(sys.Cmdline)
	for _, err := range errs {
		report("virtio-mmio: ignoring %v", err)
	}
	for _, w := range windows {
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
		mmioFound = append(mmioFound, mmioDevice{w, regs, t.DeviceID()})
		if sys.Verbose {
			report("%s: virtio device %d", w.where, t.DeviceID())
		}
	}
	pciDevices = pci.Scan(PCI())
}

// Find returns the devices of virtio device id: on virtio-mmio (the
// windows the command line names, or microvm's), then on PCI (q35, pc),
// where each device takes the next of msiLines for its interrupts
// (devices beyond them are left alone).
func Find(id uint32, msiLines ...int) ([]Found, error) {
	probeOnce.Do(probe)
	if probeErr != nil {
		return nil, probeErr
	}
	var out []Found
	for _, d := range mmioFound {
		if d.id != id {
			continue
		}
		t, err := virtio.NewMMIO(d.regs)
		if err != nil {
			return out, fmt.Errorf("%s: %w", d.where, err)
		}
		if d.line >= sys.MaxGSI {
			return out, fmt.Errorf("%s: virtio device %d interrupts on GSI %d, beyond the kernel's %d lines", d.where, id, d.line, sys.MaxGSI)
		}
		out = append(out, Found{Transport: t, Line: d.line, Where: d.where})
	}
	if len(out) > 0 {
		return out, nil
	}
	for _, d := range pciDevices {
		if d.Vendor != virtio.VendorVirtio || uint32(d.ID) != pciModernBase+id && d.ID != pciTransitional[id] {
			continue
		}
		if len(msiLines) == 0 {
			break
		}
		line := msiLines[0]
		msiLines = msiLines[1:]
		where := fmt.Sprintf("PCI %02x:%02x.%d", d.Config.Bus, d.Config.Slot, d.Config.Func)
		var t virtio.Transport
		t, err := virtio.NewPCI(d.Config, MapWindow, sys.IRQVectorBase+uint8(line))
		if errors.Is(err, virtio.ErrLegacyOnly) && d.ID == pciTransitional[id] {
			t, err = legacyPCI(d.Config, line)
			where += " (legacy interface)"
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, Found{Transport: t, Line: line | sys.IRQMSI, Where: where})
	}
	return out, nil
}

// legacyPCI drives a device through the pre-1.0 interface: its
// registers are I/O ports in BAR 0 (virtio v1.2 §4.1.4.10). Its
// interrupts must come as MSI-X messages: the kernel routes no PCI INTx
// lines.
func legacyPCI(c pci.Config, line int) (virtio.Transport, error) {
	port, ok := c.IOBAR(0)
	if !ok {
		return nil, errors.New("legacy virtio device without an I/O BAR 0")
	}
	t, err := virtio.NewLegacyPCI(c, ports(port), MapWindow, sys.IRQVectorBase+uint8(line))
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

// OpenIRQ opens an interrupt line as a file: a read blocks (parking the
// goroutine on Go's netpoller) until the device interrupts.
func OpenIRQ(line int) (*os.File, error) {
	fd, _, e := syscall.RawSyscall(sys.SysIRQOpen, uintptr(line), 0, 0)
	if e != 0 {
		return nil, fmt.Errorf("interrupt line %d: %v", line&^sys.IRQMSI, e)
	}
	return os.NewFile(fd, fmt.Sprintf("irq-%d", line&^sys.IRQMSI)), nil
}
