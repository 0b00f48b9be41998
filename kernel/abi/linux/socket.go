package linux

// Socket and netlink values x/sys does not export.

// Interface operational states, RFC 2863's ifOperStatus as IFLA_OPERSTATE
// reports it (include/uapi/linux/if.h, enum IF_OPER_*).
const (
	IF_OPER_UNKNOWN = 0
	IF_OPER_DOWN    = 2
	IF_OPER_UP      = 6
)

// SOCK_TYPE_MASK takes the type out of socket(2)'s type argument, which
// may carry SOCK_NONBLOCK and SOCK_CLOEXEC (include/linux/net.h).
const SOCK_TYPE_MASK = 0xf

// SIN6_LEN_RFC2133 is the shortest struct sockaddr_in6 Linux accepts: the
// RFC 2133 layout, without sin6_scope_id (include/uapi/linux/in6.h).
const SIN6_LEN_RFC2133 = 24

// Field offsets of struct msghdr on x86-64 (include/linux/socket.h,
// struct user_msghdr): name pointer, namelen u32, iov pointer, iovlen,
// control pointer, controllen, flags u32.
const (
	MsghdrName       = 0
	MsghdrNamelen    = 8
	MsghdrIov        = 16
	MsghdrIovlen     = 24
	MsghdrControl    = 32
	MsghdrControllen = 40
	MsghdrFlags      = 48
)

// UIO_MAXIOV bounds the buffers of one readv, writev, sendmsg or
// recvmsg (include/uapi/linux/uio.h).
const UIO_MAXIOV = 1024

// SizeofSockaddrStorage is struct sockaddr_storage, room for any address
// (_K_SS_MAXSIZE, include/uapi/linux/socket.h).
const SizeofSockaddrStorage = 128
