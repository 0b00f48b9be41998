// Package uart16550 drives the National Semiconductor 16550 UART that PCs
// and QEMU expose at COM1..COM4. unigo writes the program's stdout to COM1
// and stderr to COM2, polled: a console write is a few port writes.
//
// Wire it in: u := UART{Base: COM1}; u.Init(ports); u.Write(ports, b).
package uart16550

// Port bases of the standard COMs.
const (
	COM1 = 0x3F8
	COM2 = 0x2F8
	COM3 = 0x3E8
	COM4 = 0x2E8
)

// Register offsets from the base (PC16550D datasheet, table II).
const (
	regData    = 0 // RBR (read) / THR (write); DLL when DLAB=1
	regIER     = 1 // interrupt enable; DLM when DLAB=1
	regFCR     = 2 // FIFO control (write)
	regLCR     = 3 // line control
	regMCR     = 4 // modem control
	regLSR     = 5 // line status
	lcrDLAB    = 0x80
	lcr8N1     = 0x03
	fcrEnable  = 0xC7 // enable, clear both FIFOs, 14-byte trigger
	mcrDTRRTS  = 0x03
	lsrTHRE    = 0x20 // transmit holding register empty
	lsrDR      = 0x01 // data ready
	divisor115 = 1    // 115200 baud from the 1.8432 MHz clock
	// spinLimit bounds the wait for THRE, so a broken UART cannot hang the kernel.
	spinLimit = 1 << 16
)

// PortReadWriter is byte-wide port I/O.
type PortReadWriter interface {
	In8(port uint16) uint8
	Out8(port uint16, v uint8)
}

// UART is one 16550 at Base.
type UART struct {
	Base uint16
}

// Init programs 115200 8N1 with FIFOs and no interrupts.
func (u UART) Init(io PortReadWriter) {
	io.Out8(u.Base+regIER, 0)
	io.Out8(u.Base+regLCR, lcrDLAB)
	io.Out8(u.Base+regData, divisor115)
	io.Out8(u.Base+regIER, 0)
	io.Out8(u.Base+regLCR, lcr8N1)
	io.Out8(u.Base+regFCR, fcrEnable)
	io.Out8(u.Base+regMCR, mcrDTRRTS)
}

// Put sends one byte, waiting (boundedly) for room.
func (u UART) Put(io PortReadWriter, b byte) {
	for i := 0; i < spinLimit && io.In8(u.Base+regLSR)&lsrTHRE == 0; i++ {
	}
	io.Out8(u.Base+regData, b)
}

// Write sends b.
func (u UART) Write(io PortReadWriter, b []byte) {
	for _, c := range b {
		u.Put(io, c)
	}
}

// Get returns a received byte if one is waiting.
func (u UART) Get(io PortReadWriter) (byte, bool) {
	if io.In8(u.Base+regLSR)&lsrDR == 0 {
		return 0, false
	}
	return io.In8(u.Base + regData), true
}
