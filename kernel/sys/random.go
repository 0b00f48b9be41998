package sys

import (
	"encoding/binary"

	"unigo/kernel/abi/linux"
	"unigo/kernel/cpu"
	"unigo/kernel/drbg"
	"unigo/kernel/trap"
)

// getrandom and the generator behind it.

func getrandom(buf, n uintptr) uintptr {
	b, ok := userBytes(buf, n, true)
	if !ok {
		return linux.EFAULT.Ret()
	}
	Random(b)
	return n
}

// rng is the generator behind getrandom and AT_RANDOM (kernel/drbg).
var rng drbg.Generator

// Entropy says where the generator's seeds came from, for unigo run -v and
// the warning below.
var Entropy struct {
	CPU    bool   // RDSEED or RDRAND answered
	Device uint64 // bytes from the virtio entropy device (AddEntropy)
}

// Random fills b from the kernel's ChaCha20 generator, after mixing in
// 16 bytes from RDSEED/RDRAND (carry flag checked, bounded retries, SDM
// vol. 1 §7.3.17) when the CPU has them, and the TSC. Without those
// instructions and before the virtio entropy device has seeded it, the
// output is unpredictable only as far as the TSC is: enough for the
// runtime's hash seeds, not for keys; the kernel warns at boot then.
func Random(b []byte) {
	var seed [24]byte
	n := 0
	for w := 0; w < 2; w++ {
		v, ok := uint64(0), false
		for i := 0; i < 10 && !ok && cpu.Have.RDSEED; i++ {
			v, ok = cpu.Rdseed()
		}
		for i := 0; i < 10 && !ok && cpu.Have.RDRAND; i++ {
			v, ok = cpu.Rdrand()
		}
		if ok {
			Entropy.CPU = true
			binary.LittleEndian.PutUint64(seed[n:], v)
			n += 8
		}
	}
	binary.LittleEndian.PutUint64(seed[n:], cpu.Rdtsc())
	n += 8
	rng.Mix(seed[:n])
	rng.Read(b)
	clear(seed[:])
}

// AddEntropy mixes seed bytes from a device into the generator: the
// private call SysAddEntropy, which kernel/server/entropy_unsafe.go makes at
// boot with what it reads from the virtio entropy device
// (drivers/virtiorng). More than 4096 bytes at once is refused (EFAULT).
func AddEntropy(buf, n uintptr) uintptr {
	b, ok := userBytes(buf, n, false)
	if !ok || n > 4096 {
		return linux.EFAULT.Ret()
	}
	rng.Mix(b)
	Entropy.Device += uint64(n)
	return 0
}

// The table's handlers (table.go) of getrandom and SysAddEntropy.

func sysGetrandom(_ *trap.Frame, a [6]uintptr) uintptr  { return getrandom(a[0], a[1]) }
func sysAddEntropy(_ *trap.Frame, a [6]uintptr) uintptr { return AddEntropy(a[0], a[1]) }
