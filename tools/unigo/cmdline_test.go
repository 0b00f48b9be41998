package main

import (
	"testing"
	"time"

	"unigo/qemu"
)

// TestKernelCmdlineOrder: the command line comes out in the documented
// order (cmdline.go), the same on every call: map iteration or the order
// of the flags does not reorder it.
func TestKernelCmdlineOrder(t *testing.T) {
	o := &runOpts{
		image: "/images/app.img", args: []string{"x y", "50%"},
		env: envList{"B=2", "A=1"}, verbose: true, prof: true,
		net: "user", gw: "10.0.2.2", dns: "10.0.2.3,1.1.1.1",
		shares:  []qemu.Share{{Host: "/h1", Guest: "/b", Tag: "unigo0"}, {Host: "/h2", Guest: "/a", Tag: "unigo1"}},
		timeout: time.Second,
	}
	want := "-v a=app.img a=x%20y a=50%25 e=B=2 e=A=1 ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3%2C1.1.1.1 share=unigo0:/b share=unigo1:/a -prof"
	for i := 0; i < 50; i++ {
		if got := kernelCmdline(o); got != want {
			t.Fatalf("kernelCmdline (call %d) =\n%q\nwant\n%q", i, got, want)
		}
	}
}

func TestKernelCmdlineMinimal(t *testing.T) {
	for _, c := range []struct {
		o    runOpts
		want string
	}{
		{runOpts{image: "hello.img", net: "none"}, "a=hello.img"},
		{runOpts{image: "hello.img", net: "user"}, "a=hello.img ip=10.0.2.15/24"},
		{runOpts{image: "hello.img", net: "user", ip: "dhcp", dns: "9.9.9.9"}, "a=hello.img dns=9.9.9.9"},
		{runOpts{image: "hello.img", net: "tap:t0", ip: "192.168.1.5/24", gw: "192.168.1.1"}, "a=hello.img ip=192.168.1.5/24 gw=192.168.1.1"},
	} {
		if got := kernelCmdline(&c.o); got != c.want {
			t.Errorf("kernelCmdline(%+v) = %q, want %q", c.o, got, c.want)
		}
	}
}

func TestPctEncode(t *testing.T) {
	if got, want := pctEncode(`a b,"c"%ü`), "a%20b%2C%22c%22%25%C3%BC"; got != want {
		t.Errorf("pctEncode = %q, want %q", got, want)
	}
}
