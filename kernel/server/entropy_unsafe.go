package server

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"unigo/drivers/virtio"
	"unigo/drivers/virtiorng"
	"unigo/kernel/abi/unigo"
	"unigo/kernel/platform"
	"unigo/kernel/sys"
)

// entropySeed is how many bytes the virtio entropy device gives the
// kernel's generator at boot: 64 bytes, twice ChaCha20's key.
const entropySeed = 64

// seedEntropy reads the virtio entropy device, when the machine has one
// (unigo run attaches it), into the generator behind getrandom, before
// main runs. Without it, and without RDRAND/RDSEED, keys made by the
// program would be guessable: the kernel says so on stderr.
func seedEntropy() {
	found, err := platform.FindVirtio(virtio.DeviceEntropy)
	if err == nil && len(found) > 0 {
		err = readEntropy(found[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "unigo: entropy device:", err)
	}
	if !sys.Entropy.CPU && sys.Entropy.Device == 0 {
		fmt.Fprintln(os.Stderr, "unigo: warning: no RDRAND/RDSEED and no virtio entropy device: getrandom is seeded from the TSC only, unfit for keys")
	}
	if sys.Verbose {
		fmt.Fprintf(os.Stderr, "unigo: entropy: CPU %v, virtio-rng %d bytes\n", sys.Entropy.CPU, sys.Entropy.Device)
	}
}

func readEntropy(f platform.Found) error {
	wait, err := platform.WaitIRQ(f.Line)
	if err != nil {
		return err
	}
	d, err := virtiorng.New(f.Transport, platform.DMA, wait)
	if err != nil {
		return fmt.Errorf("%s: %v", f.Where, err)
	}
	seed := make([]byte, entropySeed)
	n, err := d.Read(seed)
	if err != nil {
		return fmt.Errorf("%s: %v", f.Where, err)
	}
	if _, _, e := syscall.RawSyscall(unigo.SysAddEntropy, uintptr(unsafe.Pointer(&seed[0])), uintptr(n), 0); e != 0 {
		return e
	}
	clear(seed)
	return nil
}
