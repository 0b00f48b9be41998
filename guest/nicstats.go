package guest

import "sync/atomic"

// NICStatistics is what the network device has done (virtio-net's
// counters and what the device and driver agreed), for programs that
// show it: unigo/netstack provides them, and a program reads them here
// without linking the network stack itself.
type NICStatistics struct {
	RxPackets, TxPackets, RxDropped, TxDropped uint64
	// TxCsumOffloaded: frames whose TCP/UDP checksum the device
	// completed; RxCsumCompleted: received frames with a partial
	// checksum that the driver completed.
	TxCsumOffloaded, RxCsumCompleted uint64
	RxMerged                         uint64 // received frames that spanned buffers
	RxPolls                          uint64 // receive polls that found frames
	Features                         string // negotiated virtio feature names
	MTU                              int
	LinkUp                           bool
}

var nicStats atomic.Pointer[func() NICStatistics]

// RegisterNIC names the source of NICStats: unigo/netstack calls it once
// its device is up. It lives here, not in the network stack, so that
// reading the counters does not link the stack.
func RegisterNIC(f func() NICStatistics) { nicStats.Store(&f) }

// NICStats returns the network device's counters; ok is false without
// one (outside unigo, with -net none, or when the program has no
// network).
func NICStats() (s NICStatistics, ok bool) {
	f := nicStats.Load()
	if f == nil {
		return s, false
	}
	return (*f)(), true
}
