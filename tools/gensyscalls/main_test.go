package main

import (
	"bytes"
	"os"
	"testing"
)

// TestDocUpToDate fails when docs/syscalls.md differs from what the
// syscall table generates.
func TestDocUpToDate(t *testing.T) {
	got, err := os.ReadFile("../../docs/syscalls.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, generate()) {
		t.Fatal("docs/syscalls.md is stale: run  go run ./tools/gensyscalls > docs/syscalls.md")
	}
}
