package virtionet

import (
	"strings"

	"unigo/drivers/virtio"
	"unigo/netstack/nic"
)

// Properties describes the device to the network stack. Received frames
// are not marked validated: the driver completes partial checksums
// (GUEST_CSUM) but does not use VIRTIO_NET_HDR_F_DATA_VALID, so the
// stack verifies every checksum itself.
func (d *Device) Properties() nic.Properties {
	return nic.Properties{MAC: d.MAC, MTU: d.MTU, TxCsum: d.OffloadsTxCsum(), Features: FeatureNames(d.Features())}
}

// FeatureNames spells out the virtio-net features in f (v1.2 §5.1.3, §6).
func FeatureNames(f uint64) string {
	names := []struct {
		bit  uint64
		name string
	}{
		{FeatureCsum, "CSUM"}, {FeatureGuestCsum, "GUEST_CSUM"}, {FeatureMTU, "MTU"},
		{FeatureMAC, "MAC"}, {FeatureMrgRxbuf, "MRG_RXBUF"}, {FeatureStatus, "STATUS"},
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
