// Package qemudebug talks to QEMU's two debug ISA devices: isa-debug-exit,
// which ends QEMU with status (v<<1)|1 when v is written to its port, and
// isa-debugcon, a write-only byte port that unigo uses as a control
// channel to the host (milestones, exit status, crash records), keeping
// the program's stdout and stderr untouched. Other monitors ignore both.
package qemudebug

// Ports as unigo configures them (qemu/machine.go passes the same numbers).
const (
	ExitPort    = 0xF4
	ControlPort = 0xE9
)

// PortWriter is byte-wide port output.
type PortWriter interface{ Out8(port uint16, v uint8) }

// Exit asks QEMU to exit with status (code<<1)|1.
func Exit(io PortWriter, code uint8) { io.Out8(ExitPort, code) }

// Control writes b to the control channel.
func Control(io PortWriter, b []byte) {
	for _, c := range b {
		io.Out8(ControlPort, c)
	}
}
