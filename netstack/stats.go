package netstack

import (
	"unigo/guest"
	"unigo/netstack/link"
	"unigo/netstack/nic"
)

// registerStats makes the device's counters what guest.NICStats reports.
func registerStats(ep *link.Endpoint, dev nic.NIC) {
	p := dev.Properties()
	guest.RegisterNIC(func() guest.NICStatistics {
		st := dev.Statistics()
		return guest.NICStatistics{RxPackets: st.RxPackets, TxPackets: st.TxPackets, RxDropped: st.RxDropped, TxDropped: st.TxDropped,
			TxCsumOffloaded: st.TxCsumOffloaded, RxCsumCompleted: st.RxCsumCompleted, RxMerged: st.RxMerged,
			RxPolls: ep.Polls(), Features: p.Features, MTU: p.MTU, LinkUp: dev.LinkUp()}
	})
}
