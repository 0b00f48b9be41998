// Package sys is unigo's Linux personality: the syscall table (table.go)
// the Go runtime and os package call through SYSCALL, implemented over the
// kernel's scheduler, memory and console, with one file per family of
// calls. Only the Linux ABI is used (kernel/abi/linux), so a new Go
// release meets the same contract, and a call not in the table prints its
// name once and returns ENOSYS.
//
// Everything here runs in trap context (see package trap): no allocation,
// no Go pointers stored, no blocking on the kernel stack. Calls that wait
// park their thread in the scheduler; the waker writes their result.
package sys

import (
	"unigo/drivers/qemudebug"
	"unigo/drivers/uart16550"
	"unigo/kernel/abi/linux"
	"unigo/kernel/cpu"
	"unigo/kernel/kfmt"
	"unigo/kernel/mm"
	"unigo/kernel/sched"
)

const fxSize = 512

// The system-call layer's own state. The kernel's other singletons are
// their packages': the scheduler (sched.Global), the frames and the
// program's address space (mm.RAM, mm.Program), the CPU's features
// (cpu.Have); kmain initialises them in order.
var (
	Stats struct {
		Calls      [512]uint64 // by syscall number
		Syscalls   uint64
		Interrupts uint64
		Faults     uint64
	}
	fxMem  [(sched.MaxThreads+1)*fxSize + 16]byte
	warned [512]bool
	sigs   [linux.NSIG + 1]sigaction // by signal number, 1..NSIG
	limits [16][2]uint64
)

// FXArea is the SSE save area of thread slot i.
func FXArea(i int) uintptr { return fxArea(i) }

// InitFX resets an SSE save area to the power-on state.
func InitFX(at uintptr) { initFX(at) }

var (
	com1 = uart16550.UART{Base: uart16550.COM1}
	com2 = uart16550.UART{Base: uart16550.COM2}
)

// Console writes to the program's stdout (fd 1) or stderr (fd 2).
func Console(fd int, p []byte) {
	if fd == 2 {
		com2.Write(cpu.Ports{}, p)
		return
	}
	com1.Write(cpu.Ports{}, p)
}

// InitConsole programs both UARTs.
func InitConsole() {
	com1.Init(cpu.Ports{})
	com2.Init(cpu.Ports{})
}

// Control sends one record to the host (see tools/unigo: control channel).
func Control(p []byte) { qemudebug.Control(cpu.Ports{}, p) }

// Exit ends the whole program with status code: the host sees it through
// the control channel and, under QEMU, as isa-debug-exit's status.
func Exit(code int) {
	var b kfmt.Buf
	if Verbose {
		ReportStats()
	}
	if BeforeExit != nil {
		BeforeExit()
	}
	b.Str("X ").Dec(int64(code)).Byte('\n')
	Control(b.Bytes())
	qemudebug.Exit(cpu.Ports{}, uint8(code))
	cpu.Halt()
}

// BeforeExit runs in Exit before the status goes out. kmain registers the
// profiler's dump here when -prof asks for it; it stays a variable because
// the profiler is package kernel's (it samples in the trap handler) and
// kernel imports this package, not the other way round.
var BeforeExit func()

// Verbose is set by unigo run -v (kernel command line): report statistics at exit.
var Verbose bool

// ReportStats sends the kernel's counters to the host.
func ReportStats() {
	var b kfmt.Buf
	b.Str("S frames-in-use ").Udec(mm.RAM.InUse).Str(" peak ").Udec(mm.RAM.Peak).Str(" total ").Udec(mm.RAM.Total).
		Str(" switches ").Udec(sched.Global.Switches).Str(" syscalls ").Udec(Stats.Syscalls).
		Str(" interrupts ").Udec(Stats.Interrupts).Str(" faults ").Udec(mm.Program.Faults).Byte('\n')
	Control(b.Bytes())
	for n := range Stats.Calls {
		if Stats.Calls[n] == 0 {
			continue
		}
		b.Reset()
		b.Str("C ").Str(Name(uintptr(n))).Byte(' ').Udec(Stats.Calls[n]).Byte('\n')
		Control(b.Bytes())
	}
}
