package platform

import (
	"fmt"
	"strings"
	"testing"

	"unigo/kernel/platform/layout"
)

// TestAllocMSI: message-signalled interrupts take the free lines from
// the top, each its own; when none is left the error says so, and no
// line is handed out twice.
func TestAllocMSI(t *testing.T) {
	var s lineSet
	seen := map[int]string{}
	for i := range layout.NumLines {
		who := fmt.Sprintf("device %d", i)
		n, err := s.allocMSI(who)
		if err != nil {
			t.Fatalf("allocMSI(%s) = %v, want line %d", who, err, layout.NumLines-1-i)
		}
		if n != layout.NumLines-1-i {
			t.Errorf("allocMSI(%s) = line %d, want %d (from the top)", who, n, layout.NumLines-1-i)
		}
		if prev, dup := seen[n]; dup {
			t.Errorf("line %d given to %s and %s", n, prev, who)
		}
		seen[n] = who
	}
	for range 2 {
		n, err := s.allocMSI("one too many")
		if err == nil {
			t.Fatalf("allocMSI with every line taken = line %d, want an error", n)
		}
		if msg := err.Error(); !strings.Contains(msg, "one too many") || !strings.Contains(msg, fmt.Sprintf("all %d are taken", layout.NumLines)) {
			t.Errorf("allocMSI with every line taken: error %q, want it to name the device and say all %d lines are taken", msg, layout.NumLines)
		}
	}
}

// TestClaimWired: a wired device's line is its GSI; devices wired to the
// same GSI share it; MSI allocation skips wired lines, and a GSI that is
// some device's MSI line, or beyond the kernel's lines, is an error.
func TestClaimWired(t *testing.T) {
	var s lineSet
	for _, gsi := range []int{5, 6, 15} {
		if err := s.claimWired(gsi, fmt.Sprintf("window on GSI %d", gsi)); err != nil {
			t.Fatalf("claimWired(%d) = %v", gsi, err)
		}
	}
	if err := s.claimWired(5, "another window on GSI 5"); err != nil {
		t.Errorf("claimWired(5) again = %v, want the wire shared", err)
	}
	if n, err := s.allocMSI("msi"); err != nil || n != 14 {
		t.Errorf("allocMSI with 15 wired = %d, %v; want line 14", n, err)
	}
	if err := s.claimWired(14, "window on GSI 14"); err == nil || !strings.Contains(err.Error(), "msi") {
		t.Errorf("claimWired(14) after it became msi's line = %v, want an error naming msi", err)
	}
	for _, gsi := range []int{-1, layout.NumLines, 23} {
		err := s.claimWired(gsi, "far window")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("GSI %d, beyond the kernel's %d lines", gsi, layout.NumLines)) {
			t.Errorf("claimWired(%d) = %v, want an error saying it is beyond the kernel's lines", gsi, err)
		}
	}
	// The rest go to MSI, none of them wired.
	free := layout.NumLines - 4 // 5, 6, 15 wired; 14 taken
	for range free {
		n, err := s.allocMSI("msi")
		if err != nil {
			t.Fatalf("allocMSI = %v with lines free", err)
		}
		if n == 5 || n == 6 || n == 15 || n == 14 {
			t.Errorf("allocMSI = line %d, which is taken", n)
		}
	}
	if n, err := s.allocMSI("last"); err == nil {
		t.Errorf("allocMSI with every line taken = %d, want an error", n)
	}
}

// TestMSIVector: an MSI line's vector is the line's in the vector map,
// and the line opens as a message-signalled one.
func TestMSIVector(t *testing.T) {
	lines = lineSet{}
	defer func() { lines = lineSet{} }()
	m, err := AllocMSI("test device")
	if err != nil {
		t.Fatal(err)
	}
	if m.Vector != layout.VectorLine0+layout.NumLines-1 || m.Line != layout.NumLines-1|irqMSI {
		t.Errorf("AllocMSI() = %+v, want vector %d, line %d|IRQMSI", m, layout.VectorLine0+layout.NumLines-1, layout.NumLines-1)
	}
	if n, err := ClaimGSI(5, "wired"); n != 5 || err != nil {
		t.Errorf("ClaimGSI(5) = %d, %v; want 5", n, err)
	}
}
