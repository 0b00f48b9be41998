package netstack

import (
	"unigo/kernel"
	"unigo/netstack/link"
	"unigo/netstack/nic"
)

// registerStats makes the device's counters what kernel.NICStats reports.
func registerStats(ep *link.Endpoint, dev nic.NIC) {
	p := dev.Properties()
	kernel.RegisterNIC(func() kernel.NICStatistics {
		st := dev.Statistics()
		return kernel.NICStatistics{RxPackets: st.RxPackets, TxPackets: st.TxPackets, RxDropped: st.RxDropped, TxDropped: st.TxDropped,
			TxCsumOffloaded: st.TxCsumOffloaded, RxCsumCompleted: st.RxCsumCompleted, RxMerged: st.RxMerged,
			RxPolls: ep.Polls(), Features: p.Features, MTU: p.MTU, LinkUp: dev.LinkUp()}
	})
}
