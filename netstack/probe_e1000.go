package netstack

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"unigo/drivers/e1000"
	"unigo/drivers/pci"
	"unigo/kernel/platform"
	"unigo/netstack/nic"
)

// The e1000 family's probe: the PCI functions of the supported Intel
// controllers (drivers/e1000), their registers in BAR 0, and their
// interrupt as an MSI when the device has one.

const (
	// e1000BootCPU is the local APIC the MSI goes to: the boot CPU's.
	e1000BootCPU = 0
	// e1000Watchdog bounds how long the link waits for an interrupt
	// before it polls the device anyway: a device whose interrupts never
	// arrive is slow, never hung.
	e1000Watchdog = 100 * time.Millisecond
	// e1000PollPeriod is how often a device without MSI is polled: the
	// kernel does not route PCI INTx lines yet.
	e1000PollPeriod = time.Millisecond
)

func e1000Probe() (nic.NIC, io.Reader, error) {
	for _, id := range []uint16{e1000.ID82540EM, e1000.ID82545EM, e1000.ID82574L} {
		for _, dev := range platform.FindPCI(e1000.VendorIntel, id) {
			model, _ := e1000.ModelOf(id)
			return startE1000(dev, model)
		}
	}
	return nil, nil, nil
}

func startE1000(dev pci.Device, model e1000.Model) (nic.NIC, io.Reader, error) {
	c := dev.Config
	where := fmt.Sprintf("e1000 %v at PCI %02x:%02x.%d", model, c.Bus, c.Slot, c.Func)
	bar := c.SizeBAR(0)
	if bar.IO || bar.Size == 0 || bar.Size > 1<<30 {
		return nil, nil, fmt.Errorf("%s: BAR 0 is not a memory window (%+v)", where, bar)
	}
	c.EnableMemory()
	regs, err := platform.MapWindow(bar.Addr, uint32(bar.Size))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	d, err := e1000.New(regs, model, platform.DMA)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	cap := c.FindCap(pci.CapMSI)
	if cap == 0 {
		fmt.Fprintf(os.Stderr, "unigo: %s has no MSI and PCI INTx lines are not routed yet: polling it every %v\n", where, e1000PollPeriod)
		return d, ticker(e1000PollPeriod), nil
	}
	msi, err := platform.AllocMSI(where)
	if err != nil {
		return nil, nil, err
	}
	pci.SetupMSI(c, cap, e1000BootCPU, msi.Vector)
	irq, err := platform.OpenIRQ(msi.Line)
	if err != nil {
		return nil, nil, err
	}
	return d, watchdog{irq, e1000Watchdog}, nil
}

// watchdog reads the interrupt fd, but returns after at most period
// without one, as if the device had interrupted: the link then polls it.
type watchdog struct {
	irq    *os.File
	period time.Duration
}

func (w watchdog) Read(b []byte) (int, error) {
	w.irq.SetReadDeadline(time.Now().Add(w.period))
	n, err := w.irq.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, nil
	}
	return n, err
}

// ticker stands in for the interrupt of a device that has none.
type ticker time.Duration

func (t ticker) Read([]byte) (int, error) {
	time.Sleep(time.Duration(t))
	return 0, nil
}
