// Package pit uses the 8254 programmable interval timer as a reference
// clock to calibrate the TSC and the local APIC timer. It reads channel 0's
// counter through the latch command, which works on every PC-compatible
// machine QEMU offers, microvm included (which has no port 0x61 speaker
// gate for the channel-2 method). PIT interrupts stay masked.
package pit

// Hz is the 8254 input clock (Intel 82C54 datasheet; PC: 14.31818 MHz / 12).
const Hz = 1193182

// Ports and commands (82C54 datasheet, "Control Word Format").
const (
	portCh0     = 0x40
	portCommand = 0x43
	cmdCh0Mode2 = 0x34 // channel 0, lobyte/hibyte, mode 2 (rate generator), binary
	cmdLatchCh0 = 0x00 // counter latch, channel 0
	// spinLimit bounds the wait so that a machine without a PIT fails
	// calibration instead of hanging.
	spinLimit = 1 << 24
)

// PortReadWriter is byte-wide port I/O.
type PortReadWriter interface {
	In8(port uint16) uint8
	Out8(port uint16, v uint8)
}

func count(io PortReadWriter) uint16 {
	io.Out8(portCommand, cmdLatchCh0)
	lo := io.In8(portCh0)
	hi := io.In8(portCh0)
	return uint16(hi)<<8 | uint16(lo)
}

// Measure lets the PIT run for ticks ticks, calling sample(false) at the
// start and sample(true) at the end. It returns false if the counter does
// not move (no PIT).
func Measure(io PortReadWriter, ticks uint32, sample func(after bool)) bool {
	io.Out8(portCommand, cmdCh0Mode2)
	io.Out8(portCh0, 0) // reload value 0 means 65536
	io.Out8(portCh0, 0)
	prev := count(io)
	sample(false)
	var elapsed uint32
	for i := 0; i < spinLimit; i++ {
		cur := count(io)
		elapsed += uint32(prev - cur) // counts down, wraps at 65536
		prev = cur
		if elapsed >= ticks {
			sample(true)
			return true
		}
	}
	return false
}
