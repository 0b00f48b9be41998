package socket

import (
	"gvisor.dev/gvisor/pkg/tcpip"

	"unigo/kernel/abi/linux"
)

// toErrno maps netstack errors to Linux errno values.
func toErrno(err tcpip.Error) linux.Errno {
	switch err.(type) {
	case *tcpip.ErrWouldBlock:
		return linux.EAGAIN
	case *tcpip.ErrConnectStarted:
		return linux.EINPROGRESS
	case *tcpip.ErrConnectionRefused:
		return linux.ECONNREFUSED
	case *tcpip.ErrConnectionReset:
		return linux.ECONNRESET
	case *tcpip.ErrConnectionAborted, *tcpip.ErrAborted:
		return linux.ECONNABORTED
	case *tcpip.ErrTimeout:
		return linux.ETIMEDOUT
	case *tcpip.ErrPortInUse:
		return linux.EADDRINUSE
	case *tcpip.ErrBadLocalAddress:
		return linux.EADDRNOTAVAIL
	case *tcpip.ErrHostUnreachable:
		return linux.EHOSTUNREACH
	case *tcpip.ErrNetworkUnreachable:
		return linux.ENETUNREACH
	case *tcpip.ErrClosedForSend:
		return linux.EPIPE
	case *tcpip.ErrNotConnected:
		return linux.ENOTCONN
	case *tcpip.ErrAlreadyConnected:
		return linux.EISCONN
	case *tcpip.ErrAlreadyConnecting:
		return linux.EALREADY
	case *tcpip.ErrDestinationRequired:
		return linux.EDESTADDRREQ
	case *tcpip.ErrAddressFamilyNotSupported:
		return linux.EAFNOSUPPORT
	case *tcpip.ErrMessageTooLong:
		return linux.EMSGSIZE
	case *tcpip.ErrNoBufferSpace:
		return linux.ENOBUFS
	case *tcpip.ErrBroadcastDisabled:
		return linux.EACCES
	case *tcpip.ErrNotSupported:
		return linux.EOPNOTSUPP
	case *tcpip.ErrUnknownProtocolOption:
		return linux.ENOPROTOOPT
	}
	return linux.EINVAL
}

// result is n, or err's errno.
func result(n int, err tcpip.Error) uintptr {
	if err != nil {
		return toErrno(err).Ret()
	}
	return uintptr(n)
}
