package link

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Where the checksum field sits in each transport header (RFC 9293
// §3.1, RFC 768).
const (
	tcpCsumOffset = 16
	udpCsumOffset = 6
)

// checksumRequest prepares an outgoing packet for the device to complete
// its TCP or UDP checksum (nic.Frame's checksum request, which virtio-net
// turns into VIRTIO_NET_HDR_F_NEEDS_CSUM, virtio v1.2 §5.1.6.2): with
// stack.CapabilityTXChecksumOffload gVisor leaves the field zero, and
// the device wants the pseudo-header sum there. It returns the frame
// offsets of the transport header and of the field within it, or 0, 0
// when there is nothing to complete: other protocols (gVisor checksums
// ICMP itself), IPv4 fragments (a fragmented UDP datagram goes out with
// checksum 0, "none", RFC 768) and IPv6 packets with extension headers.
func checksumRequest(pkt *stack.PacketBuffer) (start, offset uint16) {
	th := pkt.TransportHeader().Slice()
	nh := pkt.NetworkHeader().Slice()
	var off int
	switch pkt.TransportProtocolNumber {
	case header.TCPProtocolNumber:
		off = tcpCsumOffset
		if len(th) < header.TCPMinimumSize {
			return 0, 0
		}
	case header.UDPProtocolNumber:
		off = udpCsumOffset
		if len(th) < header.UDPMinimumSize {
			return 0, 0
		}
	default:
		return 0, 0
	}
	var src, dst tcpip.Address
	switch pkt.NetworkProtocolNumber {
	case header.IPv4ProtocolNumber:
		h := header.IPv4(nh)
		if len(nh) < header.IPv4MinimumSize || h.More() || h.FragmentOffset() != 0 || int(h.HeaderLength()) != len(nh) {
			return 0, 0
		}
		src, dst = h.SourceAddress(), h.DestinationAddress()
	case header.IPv6ProtocolNumber:
		h := header.IPv6(nh)
		if len(nh) != header.IPv6MinimumSize || h.TransportProtocol() != pkt.TransportProtocolNumber {
			return 0, 0
		}
		src, dst = h.SourceAddress(), h.DestinationAddress()
	default:
		return 0, 0
	}
	linkLen := len(pkt.LinkHeader().Slice())
	length := pkt.Size() - linkLen - len(nh)
	if length < len(th) || length > 0xFFFF {
		return 0, 0
	}
	sum := header.PseudoHeaderChecksum(pkt.TransportProtocolNumber, src, dst, uint16(length))
	binary.BigEndian.PutUint16(th[off:], sum)
	return uint16(linkLen + len(nh)), uint16(off)
}
