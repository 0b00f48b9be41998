package socket

import (
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo/kernel/abi/linux"
)

func TestToErrno(t *testing.T) {
	// Linux errno values (include/uapi/asm-generic/errno{,-base}.h).
	tests := []struct {
		err  tcpip.Error
		want linux.Errno
	}{
		{&tcpip.ErrWouldBlock{}, 11},                // EAGAIN
		{&tcpip.ErrConnectStarted{}, 115},           // EINPROGRESS
		{&tcpip.ErrConnectionRefused{}, 111},        // ECONNREFUSED
		{&tcpip.ErrConnectionReset{}, 104},          // ECONNRESET
		{&tcpip.ErrConnectionAborted{}, 103},        // ECONNABORTED
		{&tcpip.ErrAborted{}, 103},                  // ECONNABORTED
		{&tcpip.ErrTimeout{}, 110},                  // ETIMEDOUT
		{&tcpip.ErrPortInUse{}, 98},                 // EADDRINUSE
		{&tcpip.ErrBadLocalAddress{}, 99},           // EADDRNOTAVAIL
		{&tcpip.ErrHostUnreachable{}, 113},          // EHOSTUNREACH
		{&tcpip.ErrNetworkUnreachable{}, 101},       // ENETUNREACH
		{&tcpip.ErrClosedForSend{}, 32},             // EPIPE
		{&tcpip.ErrNotConnected{}, 107},             // ENOTCONN
		{&tcpip.ErrAlreadyConnected{}, 106},         // EISCONN
		{&tcpip.ErrAlreadyConnecting{}, 114},        // EALREADY
		{&tcpip.ErrDestinationRequired{}, 89},       // EDESTADDRREQ
		{&tcpip.ErrAddressFamilyNotSupported{}, 97}, // EAFNOSUPPORT
		{&tcpip.ErrMessageTooLong{}, 90},            // EMSGSIZE
		{&tcpip.ErrNoBufferSpace{}, 105},            // ENOBUFS
		{&tcpip.ErrBroadcastDisabled{}, 13},         // EACCES
		{&tcpip.ErrNotSupported{}, 95},              // EOPNOTSUPP
		{&tcpip.ErrUnknownProtocolOption{}, 92},     // ENOPROTOOPT
		// Anything unmapped is EINVAL (these are EINVAL on Linux too).
		{&tcpip.ErrInvalidEndpointState{}, 22},
		{&tcpip.ErrInvalidOptionValue{}, 22},
		{&tcpip.ErrAlreadyBound{}, 22},
		{&tcpip.ErrMalformedHeader{}, 22},
	}
	for _, tt := range tests {
		if got := toErrno(tt.err); got != tt.want {
			t.Errorf("toErrno(%T) = %d, want %d", tt.err, int(got), int(tt.want))
		}
	}
}
