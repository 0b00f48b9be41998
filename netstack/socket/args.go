package socket

import (
	"encoding/binary"
	"io"

	"unigo/kernel/abi/linux"
)

// msg is the decoded arguments of a call of the read or write family.
type msg struct {
	v     iovec
	flags int // MSG_*
	// name is the sockaddr buffer (0 for none); namelen is its length
	// for a send, the address of its length (in and out) for a receive.
	name, namelen uintptr
	// hdr is recvmsg's struct msghdr, for the flags it reports.
	hdr []byte
}

// The receive family: read(fd, buf, n), readv(fd, iov, n),
// recvfrom(fd, buf, n, flags, from, fromlen), recvmsg(fd, msghdr, flags).
func readArgs(a [6]uintptr) msg  { return msg{v: iovec{{a[1], a[2]}}} }
func readvArgs(a [6]uintptr) msg { return msg{v: readIovec(a[1], a[2])} }
func recvfromArgs(a [6]uintptr) msg {
	return msg{v: iovec{{a[1], a[2]}}, flags: int(a[3]), name: a[4], namelen: a[5]}
}
func recvmsgArgs(a [6]uintptr) msg {
	m := user(a[1], linux.SizeofMsghdr)
	name := uintptr(le64(m[linux.MsghdrName:]))
	return msg{v: msgIovec(m), flags: int(a[2]), name: name, namelen: namelenPtr(name, a[1]+linux.MsghdrNamelen), hdr: m}
}

// The send family: write(fd, buf, n), writev(fd, iov, n),
// sendto(fd, buf, n, flags, to, tolen), sendmsg(fd, msghdr, flags). The
// flags are not used.
func writeArgs(a [6]uintptr) msg  { return msg{v: iovec{{a[1], a[2]}}} }
func writevArgs(a [6]uintptr) msg { return msg{v: readIovec(a[1], a[2])} }
func sendtoArgs(a [6]uintptr) msg { return msg{v: iovec{{a[1], a[2]}}, name: a[4], namelen: a[5]} }
func sendmsgArgs(a [6]uintptr) msg {
	m := user(a[1], linux.SizeofMsghdr)
	return msg{v: msgIovec(m), name: uintptr(le64(m[linux.MsghdrName:])), namelen: uintptr(binary.LittleEndian.Uint32(m[linux.MsghdrNamelen:]))}
}

// msgIovec is a struct msghdr's data buffers.
func msgIovec(m []byte) iovec {
	return readIovec(uintptr(le64(m[linux.MsghdrIov:])), uintptr(le64(m[linux.MsghdrIovlen:])))
}

// namelenPtr is the address of msg_namelen when there is a name buffer.
func namelenPtr(name, p uintptr) uintptr {
	if name == 0 {
		return 0
	}
	return p
}

// iovec is the caller's buffers: address and length of each.
type iovec [][2]uintptr

// readIovec reads the caller's n struct iovec at addr; past UIO_MAXIOV
// (where Linux fails with EINVAL) the rest are ignored.
func readIovec(addr, n uintptr) iovec {
	if n > linux.UIO_MAXIOV {
		n = linux.UIO_MAXIOV
	}
	raw := user(addr, linux.SizeofIovec*n)
	v := make(iovec, n)
	for i := range v {
		v[i] = [2]uintptr{uintptr(le64(raw[linux.SizeofIovec*i:])), uintptr(le64(raw[linux.SizeofIovec*i+8:]))}
	}
	return v
}

// iovWriter writes into the caller's iovecs.
type iovWriter struct {
	v iovec
	n int
}

func (w *iovWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 && len(w.v) > 0 {
		b := user(w.v[0][0], w.v[0][1])
		c := copy(b, p)
		p, total = p[c:], total+c
		if c == len(b) {
			w.v = w.v[1:]
		} else {
			w.v[0][0] += uintptr(c)
			w.v[0][1] -= uintptr(c)
		}
	}
	w.n += total
	if len(p) > 0 {
		return total, io.ErrShortWrite
	}
	return total, nil
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
