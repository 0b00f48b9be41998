package linux

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hand-written struct msghdr offsets against x/sys's layout.
func TestMsghdrOffsets(t *testing.T) {
	var m unix.Msghdr
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"name", MsghdrName, unsafe.Offsetof(m.Name)}, {"namelen", MsghdrNamelen, unsafe.Offsetof(m.Namelen)},
		{"iov", MsghdrIov, unsafe.Offsetof(m.Iov)}, {"iovlen", MsghdrIovlen, unsafe.Offsetof(m.Iovlen)},
		{"control", MsghdrControl, unsafe.Offsetof(m.Control)}, {"controllen", MsghdrControllen, unsafe.Offsetof(m.Controllen)},
		{"flags", MsghdrFlags, unsafe.Offsetof(m.Flags)},
	} {
		if c.got != c.want {
			t.Errorf("msghdr %s at %d, want %d", c.name, c.got, c.want)
		}
	}
}
