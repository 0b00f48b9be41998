package sys

import (
	"unigo/kernel/trap"
)

// The table's handlers (table.go) of unigo's own calls that have no file
// of their own: the server's loop (handoff.go) and the device support
// (devices.go). The socket calls are in sockets.go, SysAddEntropy in
// random.go.

func sysServe(f *trap.Frame, _ [6]uintptr) uintptr { return serve(f) }
func sysTestKernelFault(*trap.Frame, [6]uintptr) uintptr {
	return uintptr(crashForTest(0))
}
func sysDMAAlloc(_ *trap.Frame, a [6]uintptr) uintptr { return dmaAlloc(a[0]) }
func sysIRQOpen(_ *trap.Frame, a [6]uintptr) uintptr  { return irqOpen(int(a[0])) }
func sysMapMMIO(_ *trap.Frame, a [6]uintptr) uintptr  { return mapMMIO(a[0], a[1]) }
