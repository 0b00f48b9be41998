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

// TestTokens: tokens are what lies between spaces; runs of spaces and
// spaces at either end make no empty tokens.
func TestTokens(t *testing.T) {
	var got []string
	Tokens([]byte("  -v a=x  e=K=V share=unigo0:%2Fdata "), func(tok []byte) { got = append(got, string(tok)) })
	want := []string{"-v", "a=x", "e=K=V", "share=unigo0:%2Fdata"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

// TestDecode: %XX in either case is one byte; a '%' without two hex
// digits after it is itself.
func TestDecode(t *testing.T) {
	for _, c := range []struct{ enc, want string }{
		{"hello", "hello"},
		{"a%20b", "a b"},
		{"%2f%2F", "//"},
		{"100%25", "100%"},
		{"%", "%"},
		{"%4", "%4"},
		{"%zz", "%zz"},
		{"", ""},
	} {
		n := DecodedLen([]byte(c.enc))
		dst := make([]byte, n)
		if got := string(dst[:Decode(dst, []byte(c.enc))]); got != c.want || n != len(c.want) {
			t.Errorf("Decode(%q) = %q (DecodedLen %d), want %q", c.enc, got, n, c.want)
		}
	}
}
