// Package kernel is unigo's kernel. The image builder links it into an
// unmodified Go program (through import _ "unigo/kernel/server"); the boot
// stub enters it at entry64, before the Go runtime exists. kmain brings the machine up in
// the order below, then enters the program at its ELF entry point as
// Linux's execve would, and serves its system calls and faults from then on.
//
// Code reached from kmain and handleTrap runs in trap context: on kernel
// stacks with a stand-in g, before or beside the Go runtime. It must not
// allocate, store Go pointers into globals (write barriers), or use
// anything with dynamic initialisation. Package-level state is pointer-free.
// All of this package is trap context (qemu/trapcontext_test.go checks it):
// the kernel's ordinary Go (the server goroutine) is unigo/kernel/server,
// and the program's API unigo/guest.
package kernel

import (
	"unigo/boot"
	"unigo/drivers/cmos"
	"unigo/drivers/lapic"
	"unigo/drivers/pit"
	"unigo/kernel/clock"
	"unigo/kernel/cpu"
	"unigo/kernel/kfmt"
	"unigo/kernel/platform/layout"
	"unigo/kernel/sys"
	"unigo/kernel/trap"
)

var (
	bootStack [64 << 10]byte
	// earlyTables is where the boot stub builds its page tables (4 KiB-aligned inside).
	earlyTables [4 * 4096]byte
	bootG       [32]uintptr
	bootTLS     [2]uintptr
	bootInfo    boot.BootInfo
	bootTSC     uint64
	apicHz      uint64 // local APIC timer ticks per second
	booted      bool   // kmain ran: we are the kernel, not a Linux process
)

// entry64 is the 64-bit entry from the boot stub. Defined in entry_amd64.s.
func entry64()

// keep makes the linker keep entry64, which only the boot stub calls.
var keep func()

func init() { keep = entry64 }

// Booted reports whether kmain ran: the program runs under unigo, not as
// a Linux process.
func Booted() bool { return booted }

// kmain is the table of contents of boot.
func kmain(magic, info, appEntry, imageEnd uintptr, tsc uint64) {
	bootTSC = tsc
	booted = true
	sys.InitConsole()                         // 1. COM1 = stdout, COM2 = stderr
	readBootInfo(uint32(magic), uint64(info)) // 2. one BootInfo from PVH or Multiboot
	parseCmdline()                            // 3. -v; args and env are read in step 10
	cpu.Have = cpu.Detect()                   // 4. what this CPU offers
	trap.Setup()                              // 5. GDT, TSS, IDT, GS, SYSCALL
	trap.Handler = handleTrap
	disablePIC()                              // 6. the 8259s stay masked: the local APIC is ours
	initMemory(imageEnd)                      // 7. frames, identity map, the program's address space
	calibrate()                               // 8. TSC and APIC timer against the PIT; RTC wall time
	lapic.Enable(apic{}, trap.VectorSpurious) // 9. the scheduler's timer
	sys.IOAPIC = ioapicRegs{}                 // and device interrupts, routed on demand
	sys.InitFiles()                           // 10. fds 0, 1, 2
	first := firstThread(appEntry)            // 11. stack with argv, envp, auxv, as execve builds it
	milestone("kernel-ready")
	if profiling {
		profileStart() // 12. sample where the CPU goes (unigo run -prof)
		sys.BeforeExit = profileDump
	}
	trap.Resume(first) // 13. into the program's _rt0; never returns
}

func readBootInfo(magic uint32, info uint64) {
	if err := boot.Parse(physMem{}, magic, info, &bootInfo); err != nil {
		if e, ok := err.(boot.Error); ok {
			fatalf(string(e))
		}
		fatalf("bad boot information")
	}
	sys.RSDP = uintptr(bootInfo.RSDP)
	if bootInfo.Protocol == boot.ProtoPVH {
		milestone("boot-pvh")
	} else {
		milestone("boot-multiboot")
	}
}

// Milestone records a boot milestone from outside the kernel (the server
// marks "main", unigo/netstack "net-up", through unigo/guest); outside
// unigo it does nothing.
func Milestone(name string) {
	if booted {
		milestone(name)
	}
}

// milestone tells the host how far boot got (unigo run -v prints these).
func milestone(name string) {
	var b kfmt.Buf
	b.Str("M ").Str(name).Byte(' ').Dec(clock.Nanotime()).Byte('\n')
	sys.Control(b.Bytes())
}

// 8259A PIC ports (Intel 8259A datasheet): mask every line.
const (
	pic1Data = 0x21
	pic2Data = 0xA1
)

func disablePIC() {
	cpu.Out8(pic1Data, 0xFF)
	cpu.Out8(pic2Data, 0xFF)
}

// vectorTimer is the local APIC timer's vector.
const vectorTimer = layout.VectorTimer

// calibrationTicks is 5 ms of PIT time: enough for 0.1% accuracy.
const calibrationTicks = pit.Hz / 200

func calibrate() {
	var t0, t1 uint64
	var a0, a1 uint32
	ok := pit.Measure(cpu.Ports{}, calibrationTicks, func(after bool) {
		if after {
			t1, a1 = cpu.Rdtsc(), lapic.Elapsed(apic{})
		} else {
			lapic.StartCount(apic{})
			t0, a0 = cpu.Rdtsc(), lapic.Elapsed(apic{})
		}
	})
	if !ok || t1 <= t0 {
		fatalf("cannot calibrate the TSC: no PIT")
	}
	tscHz := clock.Rate(t1-t0, calibrationTicks, pit.Hz)
	apicHz = clock.Rate(uint64(a1-a0), calibrationTicks, pit.Hz)
	if apicHz == 0 {
		apicHz = 1e9
	}
	clock.System.Set(tscHz, bootTSC, cmos.Unix(cpu.Ports{}))
	milestone("clock")
}

func fatalf(msg string) {
	var b kfmt.Buf
	b.Str("unigo: fatal kernel error: ").Str(msg).Byte('\n')
	sys.Console(2, b.Bytes())
	sys.Exit(ExitKernelFatal)
}

// ExitKernelFatal is the exit status of a guest the kernel had to stop
// (unexpected CPU exception, double fault, impossible state): 128+SIGKILL,
// as a shell reports a process the kernel killed, distinct from a Go
// panic's 2 and from unigo run's own statuses (README, "Using the CLI";
// tools/unigo keeps a copy, exitKernelFatal, tested to agree).
const ExitKernelFatal = 128 + 9
