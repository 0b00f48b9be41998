package server

import "testing"

// TestOutsideUnigo: in a Linux process the registration API does nothing:
// no server starts, no command line is read.
func TestOutsideUnigo(t *testing.T) {
	AddFile("/etc/hosts", []byte("x"))
	SetRoot("not an archive") // would stop a booted guest
	if v, ok := Param("ip"); ok || v != "" {
		t.Errorf("Param(ip) = %q, %v; want \"\", false", v, ok)
	}
	if fileSystem != nil {
		t.Error("the server started in a Linux process")
	}
}
