package net

import (
	"strings"
	"sync/atomic"

	"unigo/drivers/virtio"
	"unigo/drivers/virtionet"
	"unigo/kernel"
)

// registerStats makes the device's counters what kernel.NICStats reports.
func registerStats(l *link, d *virtionet.Device) {
	kernel.RegisterNIC(func() kernel.NICStatistics {
		st := d.Statistics()
		return kernel.NICStatistics{RxPackets: st.RxPackets, TxPackets: st.TxPackets, RxDropped: st.RxDropped, TxDropped: st.TxDropped,
			TxCsumOffloaded: st.TxCsumOffloaded, RxCsumCompleted: st.RxCsumCompleted, RxMerged: st.RxMerged,
			RxPolls: atomic.LoadUint64(&l.batches), Features: featureNames(d.Features()), MTU: d.MTU, LinkUp: d.LinkUp()}
	})
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
