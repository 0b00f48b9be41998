package server

import (
	"fmt"
	"os"
	"strings"

	"unigo/drivers/ninep"
	"unigo/drivers/virtio"
	"unigo/drivers/virtio9p"
	"unigo/kernel"
	"unigo/kernel/cmdline"
	"unigo/kernel/platform"
)

// Host-directory shares: `unigo run -share HOST[:GUEST]` exports HOST
// read-only through QEMU's virtio-9p device with mount tag "unigoN" and
// puts "share=unigoN:GUEST" (GUEST percent-encoded) on the command line.
// The kernel mounts each at GUEST before main runs, through 9P2000.L
// (drivers/ninep) over the device (drivers/virtio9p), and the file
// server reads it on demand (kernel/vfs/mount.go).

// shareMsize is the largest 9P message: a file is read in chunks of
// about this size, one device round trip each.
const shareMsize = 128 << 10

// shareParam is the command-line key.
const shareParam = "share="

// mountShares mounts every share the command line names. A share that
// cannot be mounted stops the guest with a message: the program would
// otherwise run against a missing directory.
func mountShares() {
	var want []struct{ tag, path string }
	cmdline.Tokens(kernel.Cmdline(), func(tok []byte) {
		v, ok := strings.CutPrefix(string(tok), shareParam)
		if !ok {
			return
		}
		tag, enc, ok := strings.Cut(v, ":")
		buf := make([]byte, cmdline.DecodedLen([]byte(enc)))
		path := string(buf[:cmdline.Decode(buf, []byte(enc))])
		if !ok || tag == "" || !strings.HasPrefix(path, "/") {
			shareFatal(fmt.Sprintf("bad share parameter %q", tok))
		}
		want = append(want, struct{ tag, path string }{tag, path})
	})
	if len(want) == 0 {
		return
	}
	found, err := platform.FindVirtio(virtio.Device9P)
	if err != nil {
		shareFatal(err.Error())
	}
	clients := map[string]*ninep.Client{}
	for _, f := range found {
		wait, err := platform.WaitIRQ(f.Line)
		if err != nil {
			shareFatal(err.Error())
		}
		d, err := virtio9p.New(f.Transport, platform.DMA, shareMsize, wait)
		if err != nil {
			shareFatal(fmt.Sprintf("%s: %v", f.Where, err))
		}
		c, err := ninep.Dial(d, shareMsize, "")
		if err != nil {
			shareFatal(fmt.Sprintf("%s (tag %q): %v", f.Where, d.Tag, err))
		}
		clients[d.Tag] = c
	}
	for _, w := range want {
		c, ok := clients[w.tag]
		if !ok {
			shareFatal(fmt.Sprintf("no 9P device with tag %q (found %d)", w.tag, len(found)))
		}
		if err := fileSystem.Mount(w.path, c); err != nil {
			shareFatal(err.Error())
		}
	}
}

func shareFatal(msg string) {
	fmt.Fprintln(os.Stderr, "unigo: host share:", msg)
	os.Exit(kernel.ExitKernelFatal)
}
