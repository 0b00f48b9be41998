package cmdline

import (
	"strings"
	"testing"

	"unigo/boot"
)

// TestWhole: a command line that fills BootInfo's buffer may end in
// a token cut short, which is dropped; one that fits is kept whole.
func TestWhole(t *testing.T) {
	args := strings.Repeat("a=x ", boot.MaxCmdline/4-5)
	cut := (args + "virtio_mmio.device=512@0xfeb00e00:12")[:boot.MaxCmdline] // ends "…512@0xfe"
	for _, c := range []struct {
		line, want string
	}{
		{"-v a=h.img virtio_mmio.device=512@0xfeb00e00:12", "-v a=h.img virtio_mmio.device=512@0xfeb00e00:12"},
		{"", ""},
		{cut, strings.TrimSuffix(args, " ")},
		{strings.Repeat("x", boot.MaxCmdline), ""},
	} {
		var bi boot.BootInfo
		bi.CmdlineLen = copy(bi.Cmdline[:], c.line)
		if got := string(Whole(bi.Cmdline[:bi.CmdlineLen])); got != c.want {
			t.Errorf("Whole(%d bytes ending %q) = %d bytes ending %q, want %d bytes ending %q",
				len(c.line), tail(c.line), len(got), tail(got), len(c.want), tail(c.want))
		}
	}
}

func tail(s string) string { return s[max(len(s)-40, 0):] }
