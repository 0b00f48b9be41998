package net

import (
	"strings"
	"sync/atomic"

	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
)

// NICStatistics is what the network device has done, for a statistics
// page: virtio-net's counters and what the device and driver agreed.
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

// nic is the virtio-net device in use, once found.
var nic atomic.Pointer[link]

// NICStats reports the network device's counters; ok is false without
// one (outside unigo, or with -net none).
func NICStats() (s NICStatistics, ok bool) {
	l := nic.Load()
	if l == nil {
		return s, false
	}
	d, isVirtio := l.dev.(*virtionet.Device)
	if !isVirtio {
		return s, false
	}
	st := d.Statistics()
	s = NICStatistics{RxPackets: st.RxPackets, TxPackets: st.TxPackets, RxDropped: st.RxDropped, TxDropped: st.TxDropped,
		TxCsumOffloaded: st.TxCsumOffloaded, RxCsumCompleted: st.RxCsumCompleted, RxMerged: st.RxMerged,
		RxPolls: atomic.LoadUint64(&l.batches), Features: featureNames(d.Features()), MTU: d.MTU, LinkUp: d.LinkUp()}
	return s, true
}

// featureNames spells out the virtio-net features (v1.2 §5.1.3, §6).
func featureNames(f uint64) string {
	names := []struct {
		bit  uint64
		name string
	}{
		{virtionet.FeatureCsum, "CSUM"}, {virtionet.FeatureGuestCsum, "GUEST_CSUM"}, {virtionet.FeatureMTU, "MTU"},
		{virtionet.FeatureMAC, "MAC"}, {virtionet.FeatureMrgRxbuf, "MRG_RXBUF"}, {virtionet.FeatureStatus, "STATUS"},
		{virtio.FeatureEventIdx, "EVENT_IDX"}, {virtio.FeatureVersion1, "VERSION_1"},
	}
	var out []string
	for _, n := range names {
		if f&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, " ")
}
