package platform

import (
	"fmt"
	"sync"

	"unigo/kernel/platform/layout"
)

// Interrupt lines. The kernel has layout.NumLines of them, line n
// arriving on vector layout.VectorLine0+n (layout/vectors.go), and a
// device interrupts on one of two kinds:
//
//   - wired: an I/O APIC input (GSI) that the hardware connects the
//     device to (a virtio-mmio window's); the line is the GSI, and
//     opening it routes the GSI to the line's vector. Devices wired to
//     the same input share the line, as they share the wire.
//   - message-signalled (MSI, MSI-X): the device writes the vector to
//     the local APIC itself (drivers/pci, msi.go), so any free line will
//     do; it is the driver's alone.
//
// Lines are handed out here and nowhere else: a wired line is claimed
// for its GSI, an MSI line is the highest free one (clear of the low
// GSIs that wired devices are connected to). When none is left, the
// caller gets an error naming who holds them, never a line in use.

// lineKind is what holds a line.
type lineKind uint8

const (
	lineFree  lineKind = iota
	lineWired          // claimed for its GSI; shared by the devices wired to it
	lineMSI            // allocated to one message-signalled device
)

// lineSet is the allocation state of the interrupt lines.
type lineSet struct {
	mu    sync.Mutex
	kind  [layout.NumLines]lineKind
	owner [layout.NumLines]string // the first holder, for messages
}

// lines are the kernel's interrupt lines, for every driver.
var lines lineSet

// claimWired takes GSI gsi for a device wired to it (who names the
// device). More devices wired to the same GSI share it; a GSI already
// given to an MSI device, or beyond the kernel's lines, is an error.
func (s *lineSet) claimWired(gsi int, who string) error {
	if gsi < 0 || gsi >= layout.NumLines {
		return fmt.Errorf("%s interrupts on GSI %d, beyond the kernel's %d lines", who, gsi, layout.NumLines)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.kind[gsi] {
	case lineMSI:
		return fmt.Errorf("%s interrupts on GSI %d, whose line is already %s's message-signalled interrupt", who, gsi, s.owner[gsi])
	case lineFree:
		s.kind[gsi], s.owner[gsi] = lineWired, who
	}
	return nil
}

// allocMSI takes the highest free line for a message-signalled device.
func (s *lineSet) allocMSI(who string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := layout.NumLines - 1; n >= 0; n-- {
		if s.kind[n] == lineFree {
			s.kind[n], s.owner[n] = lineMSI, who
			return n, nil
		}
	}
	return 0, fmt.Errorf("no interrupt line left for %s: all %d are taken", who, layout.NumLines)
}

// MSI is an interrupt line allocated to a message-signalled interrupt:
// program the device's MSI or MSI-X with Vector (pci.SetupMSIX), and
// open Line with OpenIRQ to wait for it.
type MSI struct {
	Vector uint8
	Line   int // with IRQMSI or'ed in, for OpenIRQ
}

// AllocMSI allocates the next free interrupt line to a message-signalled
// interrupt of the device who names (for messages). The line is never
// given to another device.
func AllocMSI(who string) (MSI, error) {
	n, err := lines.allocMSI(who)
	if err != nil {
		return MSI{}, err
	}
	return MSI{Vector: layout.LineVector(n), Line: n | irqMSI}, nil
}

// ClaimGSI takes the interrupt line of I/O APIC input gsi for a device
// wired to it, and returns the line to open with OpenIRQ.
func ClaimGSI(gsi int, who string) (int, error) {
	if err := lines.claimWired(gsi, who); err != nil {
		return 0, err
	}
	return gsi, nil
}
