// Package ninep is a read-only 9P2000.L client (the protocol of QEMU's
// virtio-9p device and of diod) that exposes a server's tree as an io/fs
// file system. It speaks one request at a time through a Transport and
// validates every reply: a malformed reply is an error wrapping
// ErrProtocol, never a panic.
//
// Wire it in: implement Transport over the virtio-9p device's single
// request queue (virtio device ID 9; with feature bit 0, MOUNT_TAG, its
// config space holds tag_len[2] tag[tag_len], QEMU's mount_tag). For each
// RPC, chain a device-readable descriptor holding req (at most Msize
// bytes) to a device-writable one of len(reply) bytes (exactly Msize),
// notify, wait for the used entry and return its length. Then
//
//	c, err := ninep.Dial(t, 128<<10, "") // aname: QEMU serves one tree per device
//	data, err := fs.ReadFile(c, "etc/motd")
//
// Names are io/fs paths relative to the share's root ("." is the root).
// Open, Stat and ReadFile follow symbolic links (relative ones only, and
// never out of the share); Lstat and ReadLink do not.
package ninep

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"syscall"
)

// Transport carries one request and its reply: virtio-9p puts req in a
// device-readable buffer and reply in a device-writable one, and returns
// how many bytes the server wrote.
//
// The client reuses both buffers: RPC must be done with them when it
// returns. An error from RPC reaches the caller wrapped, unchanged.
type Transport interface {
	RPC(req, reply []byte) (int, error)
}

// Client is a 9P2000.L session attached to one tree. Its methods are safe
// for concurrent use (requests are serialised); the files it opens are not.
type Client struct {
	mu      sync.Mutex // one request at a time; guards the buffers and below
	t       Transport
	msize   uint32
	req     []byte // request buffer, capacity msize
	reply   []byte // reply buffer, length msize
	tag     uint16
	closed  bool
	rpcs    uint64
	lerrors uint64

	root    uint32
	rootQid Qid

	fidMu    sync.Mutex
	nextFid  uint32
	freeFids []uint32
	liveFids int
	leaked   int
}

// Stats counts a client's traffic.
type Stats struct {
	RPCs       uint64 // requests sent, Tversion included
	Errors     uint64 // Rlerror replies
	Fids       int    // fids in use, the root's included
	LeakedFids int    // fids given up without a Tclunk reply (transport failure, closed client)
}

// Compile-time checks of the io/fs interfaces.
var (
	_ fs.FS         = (*Client)(nil)
	_ fs.ReadDirFS  = (*Client)(nil)
	_ fs.ReadFileFS = (*Client)(nil)
	_ fs.StatFS     = (*Client)(nil)
	_ fs.ReadLinkFS = (*Client)(nil)
)

// transportError wraps an error of the Transport itself.
type transportError struct{ err error }

func (e *transportError) Error() string { return "ninep: transport: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// Dial negotiates the version and msize (the smaller of msize and the
// server's) and attaches to the tree aname as root (n_uname 0).
func Dial(t Transport, msize uint32, aname string) (*Client, error) {
	if msize < MinMsize {
		return nil, fmt.Errorf("ninep: msize %d is below %d", msize, MinMsize)
	}
	c := &Client{
		t:       t,
		msize:   msize,
		req:     make([]byte, 0, msize),
		reply:   make([]byte, msize),
		root:    0,
		nextFid: 1,
	}
	smsize, version, err := c.version(msize, Version)
	if err != nil {
		return nil, fmt.Errorf("ninep: Tversion: %w", err)
	}
	if version != Version {
		return nil, fmt.Errorf("%w: server answered version %q", ErrVersion, version)
	}
	if smsize < MinMsize {
		return nil, fmt.Errorf("%w: server msize %d is below %d", ErrProtocol, smsize, MinMsize)
	}
	if smsize < c.msize {
		c.msize = smsize
		c.reply = c.reply[:smsize]
	}
	c.liveFids = 1 // the root
	q, err := c.attach(c.root, NoFid, "root", aname, 0)
	if err != nil {
		return nil, fmt.Errorf("ninep: Tattach %q: %w", aname, err)
	}
	if q.Type&QidTypeDir == 0 {
		c.clunk(c.root)
		return nil, fmt.Errorf("%w: root of %q is not a directory (qid type %#x)", ErrProtocol, aname, q.Type)
	}
	c.rootQid = q
	return c, nil
}

// Msize is the negotiated maximum message size.
func (c *Client) Msize() uint32 { return c.msize }

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	s := Stats{RPCs: c.rpcs, Errors: c.lerrors}
	c.mu.Unlock()
	c.fidMu.Lock()
	s.Fids, s.LeakedFids = c.liveFids, c.leaked
	c.fidMu.Unlock()
	return s
}

// Close clunks the root fid; later requests fail with fs.ErrClosed.
// Files still open are not clunked.
func (c *Client) Close() error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return fs.ErrClosed
	}
	err := c.clunkFid(c.root)
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return err
}

// chunk is the largest count a Tread or Treaddir asks for.
func (c *Client) chunk() uint32 { return c.msize - ioHeaderRoom }

// start begins a request of type typ in the request buffer; the caller
// holds c.mu.
func (c *Client) start(typ uint8) (encoder, uint16) {
	tag := NoTag
	if typ != msgTversion {
		c.tag++
		if c.tag == NoTag {
			c.tag = 0
		}
		tag = c.tag
	}
	e := encoder{b: c.req[:0]}
	e.u32(0) // size, set by call
	e.u8(typ)
	e.u16(tag)
	return e, tag
}

// call sends the request in e and returns a decoder over the reply body,
// which aliases c.reply: the caller holds c.mu until it has parsed it.
func (c *Client) call(e *encoder, tag uint16) (decoder, error) {
	typ := e.b[4]
	if c.closed {
		return decoder{}, fs.ErrClosed
	}
	if e.bad {
		return decoder{}, syscall.ENAMETOOLONG
	}
	if len(e.b) > int(c.msize) {
		return decoder{}, fmt.Errorf("ninep: %s of %d bytes exceeds msize %d", msgName(typ), len(e.b), c.msize)
	}
	size := uint32(len(e.b))
	e.b[0], e.b[1], e.b[2], e.b[3] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	if cap(e.b) <= cap(c.req) {
		c.req = e.b[:0]
	}
	c.rpcs++
	n, err := c.t.RPC(e.b, c.reply)
	if err != nil {
		return decoder{}, &transportError{err}
	}
	d, err := checkReply(c.reply, n, typ, tag)
	if errors.As(err, new(syscall.Errno)) {
		c.lerrors++
	}
	return d, err
}

func (c *Client) version(msize uint32, version string) (uint32, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTversion)
	e.u32(msize)
	e.str(version)
	d, err := c.call(&e, tag)
	if err != nil {
		return 0, "", err
	}
	return parseRversion(&d)
}

func (c *Client) attach(fid, afid uint32, uname, aname string, nuname uint32) (Qid, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTattach)
	e.u32(fid)
	e.u32(afid)
	e.str(uname)
	e.str(aname)
	e.u32(nuname)
	d, err := c.call(&e, tag)
	if err != nil {
		return Qid{}, err
	}
	return parseQidReply(&d, "Rattach")
}

// twalk walks names (at most maxWalkNames) from fid to newfid.
func (c *Client) twalk(fid, newfid uint32, names []string) ([]Qid, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTwalk)
	e.u32(fid)
	e.u32(newfid)
	e.u16(uint16(len(names)))
	for _, n := range names {
		e.str(n)
	}
	d, err := c.call(&e, tag)
	if err != nil {
		return nil, err
	}
	return parseRwalk(&d, len(names))
}

func (c *Client) lopen(fid, flags uint32) (Qid, uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTlopen)
	e.u32(fid)
	e.u32(flags)
	d, err := c.call(&e, tag)
	if err != nil {
		return Qid{}, 0, err
	}
	return parseRlopen(&d)
}

// read asks for count bytes at off and appends what comes to dst.
func (c *Client) read(fid uint32, off uint64, count uint32, dst []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTread)
	e.u32(fid)
	e.u64(off)
	e.u32(count)
	d, err := c.call(&e, tag)
	if err != nil {
		return dst, err
	}
	data, err := parseRread(&d, count)
	if err != nil {
		return dst, err
	}
	return append(dst, data...), nil
}

func (c *Client) readdir(fid uint32, off uint64, count uint32) ([]dirent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTreaddir)
	e.u32(fid)
	e.u64(off)
	e.u32(count)
	d, err := c.call(&e, tag)
	if err != nil {
		return nil, err
	}
	return parseRreaddir(&d, count)
}

func (c *Client) getattr(fid uint32, mask uint64) (Attr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTgetattr)
	e.u32(fid)
	e.u64(mask)
	d, err := c.call(&e, tag)
	if err != nil {
		return Attr{}, err
	}
	return parseRgetattr(&d)
}

func (c *Client) readlink(fid uint32) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTreadlink)
	e.u32(fid)
	d, err := c.call(&e, tag)
	if err != nil {
		return "", err
	}
	return parseRreadlink(&d)
}

func (c *Client) clunk(fid uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, tag := c.start(msgTclunk)
	e.u32(fid)
	d, err := c.call(&e, tag)
	if err != nil {
		return err
	}
	return d.done("Rclunk")
}

// allocFid returns an unused fid, reusing clunked ones first.
func (c *Client) allocFid() (uint32, error) {
	c.fidMu.Lock()
	defer c.fidMu.Unlock()
	if n := len(c.freeFids); n > 0 {
		f := c.freeFids[n-1]
		c.freeFids = c.freeFids[:n-1]
		c.liveFids++
		return f, nil
	}
	if c.nextFid == NoFid {
		return 0, fmt.Errorf("ninep: out of fids")
	}
	f := c.nextFid
	c.nextFid++
	c.liveFids++
	return f, nil
}

// releaseFid returns a fid the server no longer knows to the pool.
func (c *Client) releaseFid(f uint32) {
	c.fidMu.Lock()
	defer c.fidMu.Unlock()
	c.freeFids = append(c.freeFids, f)
	c.liveFids--
}

// clunkFid clunks f and frees it. Any reply frees a fid on the server
// (even Rlerror), so only a transport failure keeps it out of the pool.
func (c *Client) clunkFid(f uint32) error {
	err := c.clunk(f)
	var te *transportError
	if errors.As(err, &te) || errors.Is(err, fs.ErrClosed) {
		c.fidMu.Lock()
		c.liveFids--
		c.leaked++
		c.fidMu.Unlock()
		return err
	}
	c.releaseFid(f)
	return err
}
