package virtio

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMMIODevices(t *testing.T) {
	for _, c := range []struct {
		cmdline string
		want    []MMIODevice
		bad     []string // the tokens reported, in order
	}{
		{"", nil, nil},
		{"-v a=h.img ip=10.0.2.15/24", nil, nil},
		// What QEMU 7.2 microvm appends for a NIC and an entropy device.
		{"-v a=h.img virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11",
			[]MMIODevice{{Base: 0xfeb00e00, Size: 512, IRQ: 12}, {Base: 0xfeb00c00, Size: 512, IRQ: 11}}, nil},
		// Firecracker's: a 4 KiB window per device.
		{"virtio_mmio.device=4K@0xd0000000:5", []MMIODevice{{Base: 0xd0000000, Size: 4096, IRQ: 5}}, nil},
		{"virtio_mmio.device=0x1000@0xd0001000:6:1", []MMIODevice{{Base: 0xd0001000, Size: 0x1000, IRQ: 6, ID: 1, HasID: true}}, nil},
		// Linux's own example (kernel-parameters.txt, virtio_mmio.c).
		{"virtio_mmio.device=0x100@0x100b0000:48", []MMIODevice{{Base: 0x100b0000, Size: 0x100, IRQ: 48}}, nil},
		{"virtio_mmio.device=1M@0x1000000000:7", []MMIODevice{{Base: 0x1000000000, Size: 1 << 20, IRQ: 7}}, nil},
		{"virtio_mmio.device=1g@0x40000000:7", []MMIODevice{{Base: 0x40000000, Size: 1 << 30, IRQ: 7}}, nil},
		{"virtio_mmio.device=1T@0x0:7", []MMIODevice{{Base: 0, Size: 1 << 40, IRQ: 7}}, nil},
		// C notation: octal base and size; <irq> is decimal whatever its zeros.
		{"virtio_mmio.device=01000@010000:012", []MMIODevice{{Base: 0x1000, Size: 0x200, IRQ: 12}}, nil},
		{"virtio_mmio.device=0X200@0XFEB00000:5", []MMIODevice{{Base: 0xfeb00000, Size: 0x200, IRQ: 5}}, nil},
		// '-' for '_' in the parameter's name, as Linux allows.
		{"virtio-mmio.device=512@0xfeb00000:5", []MMIODevice{{Base: 0xfeb00000, Size: 512, IRQ: 5}}, nil},
		// The same device twice: once; tabs and newlines separate too.
		{"virtio_mmio.device=512@0xfeb00000:5\tvirtio_mmio.device=0x200@0xfeb00000:5:3\n",
			[]MMIODevice{{Base: 0xfeb00000, Size: 512, IRQ: 5}}, nil},
		// Bad tokens are reported and skipped; the good ones stay.
		{"virtio_mmio.device=512@0xfeb00000:5 virtio_mmio.device=256@0xfeb00100:6 virtio_mmio.device=512@0xfeb00200:7",
			[]MMIODevice{{Base: 0xfeb00000, Size: 512, IRQ: 5}, {Base: 0xfeb00200, Size: 512, IRQ: 7}},
			[]string{"virtio_mmio.device=256@0xfeb00100:6"}},
		{"virtio_mmio.device=512@0xfeb00000:5 virtio_mmio.device=512@0xfeb00000:6", []MMIODevice{{Base: 0xfeb00000, Size: 512, IRQ: 5}},
			[]string{"virtio_mmio.device=512@0xfeb00000:6"}},
		{"virtio_mmio.device=", nil, []string{"virtio_mmio.device="}},
		{"virtio_mmio.device=512", nil, []string{"virtio_mmio.device=512"}},
		{"virtio_mmio.device=@0xfeb00000:5", nil, []string{"virtio_mmio.device=@0xfeb00000:5"}},
		{"virtio_mmio.device=0@0xfeb00000:5", nil, []string{"virtio_mmio.device=0@0xfeb00000:5"}},
		{"virtio_mmio.device=255@0xfeb00000:5", nil, []string{"virtio_mmio.device=255@0xfeb00000:5"}},
		{"virtio_mmio.device=512@:5", nil, []string{"virtio_mmio.device=512@:5"}},
		{"virtio_mmio.device=512@0xfeb00000", nil, []string{"virtio_mmio.device=512@0xfeb00000"}},
		{"virtio_mmio.device=512@0xfeb00000:", nil, []string{"virtio_mmio.device=512@0xfeb00000:"}},
		{"virtio_mmio.device=512@0xfeb00000:0", nil, []string{"virtio_mmio.device=512@0xfeb00000:0"}},
		{"virtio_mmio.device=512@0xfeb00000:1024", nil, []string{"virtio_mmio.device=512@0xfeb00000:1024"}},
		{"virtio_mmio.device=512@0xfeb00000:0x5", nil, []string{"virtio_mmio.device=512@0xfeb00000:0x5"}},
		{"virtio_mmio.device=512@0xfeb00000:-5", nil, []string{"virtio_mmio.device=512@0xfeb00000:-5"}},
		{"virtio_mmio.device=512@0xfeb00000:5:", nil, []string{"virtio_mmio.device=512@0xfeb00000:5:"}},
		{"virtio_mmio.device=512@0xfeb00000:5:-1", nil, []string{"virtio_mmio.device=512@0xfeb00000:5:-1"}},
		{"virtio_mmio.device=512@0xfeb00000:5:1:2", nil, []string{"virtio_mmio.device=512@0xfeb00000:5:1:2"}},
		{"virtio_mmio.device=512@0xfeb00000:5-7", nil, []string{"virtio_mmio.device=512@0xfeb00000:5-7"}},
		{"virtio_mmio.device=512@0xfeb00002:5", nil, []string{"virtio_mmio.device=512@0xfeb00002:5"}},
		{"virtio_mmio.device=512@-0x1000:5", nil, []string{"virtio_mmio.device=512@-0x1000:5"}},
		{"virtio_mmio.device=512X@0xfeb00000:5", nil, []string{"virtio_mmio.device=512X@0xfeb00000:5"}},
		{"virtio_mmio.device=512@08:5", nil, []string{"virtio_mmio.device=512@08:5"}},
		{"virtio_mmio.device=16E@0x0:5", nil, []string{"virtio_mmio.device=16E@0x0:5"}},
		// Base+Size must be an address: the last page of the 64-bit space is out.
		{"virtio_mmio.device=4K@0xffffffffffffe000:5", []MMIODevice{{Base: 0xffffffffffffe000, Size: 4096, IRQ: 5}}, nil},
		{"virtio_mmio.device=4K@0xfffffffffffff000:5", nil, []string{"virtio_mmio.device=4K@0xfffffffffffff000:5"}},
		{"virtio_mmio.device=8K@0xfffffffffffff000:5", nil, []string{"virtio_mmio.device=8K@0xfffffffffffff000:5"}},
		{"virtio_mmio.device=512@0x10000000000000000:5", nil, []string{"virtio_mmio.device=512@0x10000000000000000:5"}},
	} {
		got, errs := ParseMMIODevices(c.cmdline)
		var bad []string
		for _, err := range errs {
			var pe *MMIOParamError
			if !errors.As(err, &pe) {
				t.Errorf("ParseMMIODevices(%q): error %v is no *MMIOParamError", c.cmdline, err)
				continue
			}
			if !strings.Contains(err.Error(), pe.Token) || pe.Reason == "" {
				t.Errorf("ParseMMIODevices(%q): error %q does not name its token and reason", c.cmdline, err)
			}
			bad = append(bad, pe.Token)
		}
		if !reflect.DeepEqual(got, c.want) || !reflect.DeepEqual(bad, c.bad) {
			t.Errorf("ParseMMIODevices(%q) = %v, errors %v; want %v, errors for %q", c.cmdline, got, errs, c.want, c.bad)
		}
	}
}

func TestMMIODeviceString(t *testing.T) {
	for _, c := range []struct {
		d    MMIODevice
		want string
	}{
		{MMIODevice{Base: 0xfeb00e00, Size: 512, IRQ: 12}, "0x200@0xfeb00e00:12"},
		{MMIODevice{Base: 0xd0001000, Size: 0x1000, IRQ: 6, ID: 1, HasID: true}, "0x1000@0xd0001000:6:1"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.d, got, c.want)
		}
		// And it reads back.
		if got, errs := ParseMMIODevices(MMIOParams[0] + c.want); len(errs) != 0 || len(got) != 1 || got[0] != c.d {
			t.Errorf("ParseMMIODevices(%q) = %v, %v; want [%v]", MMIOParams[0]+c.want, got, errs, c.d)
		}
	}
}

// FuzzParseMMIODevices: no input panics the parser, and every device it
// returns is one a driver can use: a window of at least the register
// block, aligned, inside the address space, clear of the others, on a
// plausible IRQ. So many errors come back as device tokens were refused.
func FuzzParseMMIODevices(f *testing.F) {
	for _, s := range []string{
		"virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11",
		"virtio_mmio.device=4K@0xd0000000:5",
		"virtio_mmio.device=0x1000@0xd0001000:6:1",
		"virtio-mmio.device=1M@0x1000000000:7",
		"virtio_mmio.device=01000@010000:012",
		"virtio_mmio.device=8K@0xfffffffffffff000:5",
		"virtio_mmio.device=512@0xfeb00000:5 virtio_mmio.device=256@0xfeb00100:6",
		"virtio_mmio.device=16E@0x0:5",
		"virtio_mmio.device=512@0xfeb00000:5:1:2",
		"-v a=x e=Y=1 ip=dhcp share=unigo0:/mnt",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmdline string) {
		devs, errs := ParseMMIODevices(cmdline)
		tokens := 0
		for _, tok := range strings.Fields(cmdline) {
			if _, ok := cutMMIOParam(tok); ok {
				tokens++
			}
		}
		if len(devs)+len(errs) > tokens {
			t.Fatalf("ParseMMIODevices(%q) = %d devices and %d errors from %d tokens", cmdline, len(devs), len(errs), tokens)
		}
		for i, d := range devs {
			if d.Size < MMIORegSize || d.Base+d.Size <= d.Base || d.Base%mmioAlign != 0 || d.IRQ == 0 || d.IRQ > MaxMMIOIRQ || d.HasID && d.ID < 0 {
				t.Fatalf("ParseMMIODevices(%q): device %d = %+v, outside the invariants", cmdline, i, d)
			}
			for _, e := range devs[:i] {
				if d.overlaps(e) {
					t.Fatalf("ParseMMIODevices(%q): devices %v and %v overlap", cmdline, e, d)
				}
			}
		}
		for _, err := range errs {
			var pe *MMIOParamError
			if !errors.As(err, &pe) || !strings.Contains(cmdline, pe.Token) {
				t.Fatalf("ParseMMIODevices(%q): error %v names no token of the line", cmdline, err)
			}
		}
	})
}
