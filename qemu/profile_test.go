package qemu_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestProfile: unigo run -prof samples a busy guest and prints its hottest
// functions, symbolised from the image, when the guest exits.
func TestProfile(t *testing.T) {
	r := boot(t, "stress", []string{"-prof", "-net", "none"})
	if r.code != 0 {
		t.Fatalf("stress -prof = status %d\n%s", r.code, r.stderr)
	}
	head := regexp.MustCompile(`unigo: profile: (\d+) samples at 1 kHz: [\d.]+% idle, [\d.]+% lost; traps \(syscalls, interrupts, faults\) took [\d.]+% of the CPU`)
	m := head.FindStringSubmatch(r.stderr)
	if m == nil || m[1] == "0" {
		t.Fatalf("no profile summary with samples in stderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "unigo: profile: by area:") || !regexp.MustCompile(`unigo:\s+[\d.]+%\s+(runtime|main)\.`).MatchString(r.stderr) {
		t.Errorf("the profile names no runtime or main function:\n%s", r.stderr)
	}
	// Without -prof, nothing is sampled or printed.
	if r := boot(t, "hello", nil); strings.Contains(r.stderr, "profile") {
		t.Errorf("hello without -prof printed a profile:\n%s", r.stderr)
	}
}
