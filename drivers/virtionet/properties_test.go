package virtionet

import (
	"testing"

	"unigo/drivers/virtio"
	"unigo/netstack/nic"
)

// Properties reports what the network stack builds its link on: the
// MAC, the MTU, the checksum offload negotiated, and the feature names.
func TestProperties(t *testing.T) {
	for _, tc := range []struct {
		offered uint64
		want    nic.Properties
	}{
		{0, nic.Properties{MTU: MaxFrame - ethHeader, Features: "VERSION_1"}},
		{FeatureCsum | FeatureGuestCsum, nic.Properties{MTU: MaxFrame - ethHeader, TxCsum: true, Features: "CSUM GUEST_CSUM VERSION_1"}},
		{FeatureMrgRxbuf | FeatureStatus | virtio.FeatureEventIdx, nic.Properties{MTU: MaxFrame - ethHeader, Features: "MRG_RXBUF STATUS EVENT_IDX VERSION_1"}},
	} {
		n := newNetDeviceOffering(t, tc.offered)
		tc.want.MAC = n.d.MAC
		if got := n.d.Properties(); got != tc.want {
			t.Errorf("offering %#x: Properties() = %+v, want %+v", tc.offered, got, tc.want)
		}
	}
}

func TestFeatureNames(t *testing.T) {
	all := uint64(FeatureCsum | FeatureGuestCsum | FeatureMTU | FeatureMAC | FeatureMrgRxbuf | FeatureStatus | virtio.FeatureEventIdx | virtio.FeatureVersion1)
	if got, want := FeatureNames(all), "CSUM GUEST_CSUM MTU MAC MRG_RXBUF STATUS EVENT_IDX VERSION_1"; got != want {
		t.Errorf("FeatureNames(all) = %q, want %q", got, want)
	}
	if got := FeatureNames(0); got != "" {
		t.Errorf("FeatureNames(0) = %q, want empty", got)
	}
}
