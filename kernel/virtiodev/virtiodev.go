// Package virtiodev finds virtio devices for the drivers that run as
// ordinary Go code in a unigo guest (the network stack in unigo/net, the
// host-directory shares in unigo/kernel): it probes QEMU microvm's
// virtio-mmio windows and the PCI bus, maps device registers, allocates
// DMA memory and opens interrupt lines as pollable files, all through
// the kernel's private system calls (kernel/sys/handoff.go).
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
	"unigo/kernel/sys"
)

// QEMU microvm's virtio-mmio transports (hw/i386/microvm.c): 24 windows
// of 512 bytes from 0xfeb00000; window i interrupts on GSI 5+i.
const (
	mmioBase  = 0xFEB00000
	mmioSlots = 24
	mmioSize  = 512
	mmioGSI0  = 5
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
	Where     string // for messages: "virtio-mmio window 3", "PCI 00:04.0"
}

// The buses are probed once: the entropy device, the shares and the NIC
// are looked up one after the other at boot, each on the same buses.
var (
	probeOnce  sync.Once
	mmioSlotID [mmioSlots]uint32 // device id per virtio-mmio window (0: none)
	pciDevices []pci.Device
	probeErr   error
)

func probe() {
	for slot := 0; slot < mmioSlots; slot++ {
		t, err := virtio.NewMMIO(mmioRegs(mmioBase + slot*mmioSize))
		if errors.Is(err, virtio.ErrNoDevice) {
			continue
		}
		if err != nil {
			probeErr = err
			return
		}
		mmioSlotID[slot] = t.DeviceID()
	}
	pciDevices = pci.Scan(PCI())
}

// Find returns the devices of virtio device id: on virtio-mmio (microvm),
// then on PCI (q35, pc), where each device takes the next of msiLines
// for its interrupts (devices beyond them are left alone).
func Find(id uint32, msiLines ...int) ([]Found, error) {
	probeOnce.Do(probe)
	if probeErr != nil {
		return nil, probeErr
	}
	var out []Found
	for slot, dev := range mmioSlotID {
		if dev != id {
			continue
		}
		t, err := virtio.NewMMIO(mmioRegs(mmioBase + slot*mmioSize))
		if err != nil {
			return out, err
		}
		gsi := mmioGSI0 + slot
		if gsi >= sys.MaxGSI {
			return out, fmt.Errorf("virtio device %d in window %d: GSI %d beyond the kernel's %d lines", id, slot, gsi, sys.MaxGSI)
		}
		out = append(out, Found{Transport: t, Line: gsi, Where: fmt.Sprintf("virtio-mmio window %d", slot)})
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
		t, err := virtio.NewPCI(d.Config, MapWindow, sys.IRQVectorBase+uint8(line))
		if err != nil {
			return out, err
		}
		out = append(out, Found{Transport: t, Line: line | sys.IRQMSI,
			Where: fmt.Sprintf("PCI %02x:%02x.%d", d.Config.Bus, d.Config.Slot, d.Config.Func)})
	}
	return out, nil
}

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
