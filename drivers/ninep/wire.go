package ninep

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"
)

// Message types (9P2000.L numbering). A reply's type is its request's
// type plus one; Rlerror can answer any request.
const (
	msgTlerror   = 6 // never sent: Rlerror's request number
	msgRlerror   = 7
	msgTlopen    = 12
	msgRlopen    = 13
	msgTreadlink = 22
	msgRreadlink = 23
	msgTgetattr  = 24
	msgRgetattr  = 25
	msgTreaddir  = 40
	msgRreaddir  = 41
	msgTversion  = 100
	msgRversion  = 101
	msgTattach   = 104
	msgRattach   = 105
	msgTwalk     = 110
	msgRwalk     = 111
	msgTread     = 116
	msgRread     = 117
	msgTclunk    = 120
	msgRclunk    = 121
)

// Protocol constants.
const (
	// Version is the protocol version Dial asks for and accepts.
	Version = "9P2000.L"
	// NoFid is the "no fid" value (afid of an attach without auth).
	NoFid = ^uint32(0)
	// NoTag is the tag of Tversion.
	NoTag = ^uint16(0)
	// MinMsize is the smallest msize Dial proposes or accepts: room for a
	// directory entry with a 255-byte name and for every fixed reply.
	MinMsize = 512

	// Qid types (the high byte of a Plan 9 mode).
	QidTypeDir     = 0x80
	QidTypeSymlink = 0x02
	QidTypeFile    = 0x00
)

// Wire sizes and limits.
const (
	headerLen    = 7  // size[4] type[1] tag[2]
	qidLen       = 13 // type[1] version[4] path[8]
	ioHeaderRoom = 24 // what a Tread/Rread/Twrite header may take; count = msize - 24
	maxWalkNames = 16 // MAXWELEM: names one Twalk may carry
	maxString    = 0xFFFF
	// rgetattrLen is the body of Rgetattr: valid[8] qid[13] mode[4] uid[4]
	// gid[4] nlink[8] rdev[8] size[8] blksize[8] blocks[8] and eight time
	// fields atime..btime (sec[8] nsec[8] each) then gen[8] data_version[8].
	rgetattrLen = 8 + qidLen + 3*4 + 5*8 + 8*8 + 2*8
	// twalkFixed is a Twalk before its names: header fid[4] newfid[4] nwname[2].
	twalkFixed = headerLen + 4 + 4 + 2
)

// Tgetattr request_mask bits.
const (
	getattrMode   = 0x00000001
	getattrNlink  = 0x00000002
	getattrUID    = 0x00000004
	getattrGID    = 0x00000008
	getattrRdev   = 0x00000010
	getattrAtime  = 0x00000020
	getattrMtime  = 0x00000040
	getattrCtime  = 0x00000080
	getattrIno    = 0x00000100
	getattrSize   = 0x00000200
	getattrBlocks = 0x00000400
	getattrBasic  = 0x000007ff // MODE through BLOCKS
)

// Linux open(2) flags for Tlopen; the client only reads.
const oRDONLY = 0

// Linux st_mode file types and special bits (what Rgetattr's mode holds).
const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
	sIFLNK  = 0o120000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
	sISUID  = 0o4000
	sISGID  = 0o2000
	sISVTX  = 0o1000
)

// Linux dirent d_type values (the type byte of a Rreaddir entry).
const (
	dtUnknown = 0
	dtFIFO    = 1
	dtChr     = 2
	dtDir     = 4
	dtBlk     = 6
	dtReg     = 8
	dtLnk     = 10
	dtSock    = 12
)

// Errors.
var (
	// ErrProtocol is wrapped by every error about a malformed or
	// unexpected reply.
	ErrProtocol = errors.New("ninep: protocol error")
	// ErrVersion: the server does not speak 9P2000.L.
	ErrVersion = errors.New("ninep: server does not speak " + Version)
	// ErrEscape: a symbolic link is absolute or leads out of the share.
	ErrEscape = errors.New("ninep: symbolic link leads outside the share")
)

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Qid is the server's identity for a file.
type Qid struct {
	Type    uint8 // QidTypeDir, QidTypeSymlink, ...
	Version uint32
	Path    uint64 // unique per file (the host inode for QEMU)
}

// Attr is a Rgetattr reply: what FileInfo.Sys returns.
type Attr struct {
	Valid                      uint64 // which fields the server filled (getattr mask bits)
	Qid                        Qid
	Mode                       uint32 // Linux st_mode
	UID, GID                   uint32
	Nlink, Rdev, Size          uint64
	Blksize, Blocks            uint64
	Atime, Mtime, Ctime, Btime time.Time
	Gen, DataVersion           uint64
}

// encoder appends little-endian fields to a message.
type encoder struct {
	b   []byte
	bad bool // a string was too long for its length field
}

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = append(e.b, byte(v), byte(v>>8)) }
func (e *encoder) u32(v uint32) {
	e.b = append(e.b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
func (e *encoder) u64(v uint64) { e.u32(uint32(v)); e.u32(uint32(v >> 32)) }
func (e *encoder) str(s string) {
	if len(s) > maxString {
		e.bad = true
		return
	}
	e.u16(uint16(len(s)))
	e.b = append(e.b, s...)
}

// decoder reads little-endian fields; reading past the end sets bad and
// yields zeros, so a parse checks bad once at the end.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || n < 0 || n > len(d.b) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return uint16(b[0]) | uint16(b[1])<<8
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	}
	return 0
}

func (d *decoder) u64() uint64 {
	lo := d.u32()
	return uint64(lo) | uint64(d.u32())<<32
}

func (d *decoder) str() string { return string(d.take(int(d.u16()))) }

func (d *decoder) qid() Qid {
	return Qid{Type: d.u8(), Version: d.u32(), Path: d.u64()}
}

// done reports a body that was too short or longer than its fields.
func (d *decoder) done(what string) error {
	if d.bad {
		return protoErr("%s: reply too short", what)
	}
	if len(d.b) != 0 {
		return protoErr("%s: %d bytes past the last field", what, len(d.b))
	}
	return nil
}

// msgName names a message type for error messages.
func msgName(t uint8) string {
	switch t {
	case msgTlerror:
		return "Tlerror"
	case msgRlerror:
		return "Rlerror"
	case msgTlopen:
		return "Tlopen"
	case msgRlopen:
		return "Rlopen"
	case msgTreadlink:
		return "Treadlink"
	case msgRreadlink:
		return "Rreadlink"
	case msgTgetattr:
		return "Tgetattr"
	case msgRgetattr:
		return "Rgetattr"
	case msgTreaddir:
		return "Treaddir"
	case msgRreaddir:
		return "Rreaddir"
	case msgTversion:
		return "Tversion"
	case msgRversion:
		return "Rversion"
	case msgTattach:
		return "Tattach"
	case msgRattach:
		return "Rattach"
	case msgTwalk:
		return "Twalk"
	case msgRwalk:
		return "Rwalk"
	case msgTread:
		return "Tread"
	case msgRread:
		return "Rread"
	case msgTclunk:
		return "Tclunk"
	case msgRclunk:
		return "Rclunk"
	}
	return fmt.Sprintf("type %d", t)
}

// checkReply validates the framing of the n bytes a transport reported
// in buf, in answer to a request of type typ with tag tag, and returns a
// decoder over the body. An Rlerror comes back as its syscall.Errno.
func checkReply(buf []byte, n int, typ uint8, tag uint16) (decoder, error) {
	if n < 0 || n > len(buf) {
		return decoder{}, protoErr("transport reported %d bytes for a %d-byte reply buffer", n, len(buf))
	}
	if n < headerLen {
		return decoder{}, protoErr("reply to %s is %d bytes, shorter than a header", msgName(typ), n)
	}
	r := buf[:n]
	size := uint32(r[0]) | uint32(r[1])<<8 | uint32(r[2])<<16 | uint32(r[3])<<24
	if size < headerLen || size > uint32(n) {
		return decoder{}, protoErr("reply to %s: size field %d, %d bytes received", msgName(typ), size, n)
	}
	r = r[:size]
	rtyp, rtag := r[4], uint16(r[5])|uint16(r[6])<<8
	if rtag != tag {
		return decoder{}, protoErr("reply to %s has tag %d, want %d", msgName(typ), rtag, tag)
	}
	d := decoder{b: r[headerLen:]}
	if rtyp == msgRlerror {
		ecode := d.u32()
		if err := d.done("Rlerror"); err != nil {
			return decoder{}, err
		}
		if ecode == 0 {
			return decoder{}, protoErr("Rlerror with errno 0 to %s", msgName(typ))
		}
		return decoder{}, syscall.Errno(ecode)
	}
	if rtyp != typ+1 {
		return decoder{}, protoErr("reply to %s has type %s", msgName(typ), msgName(rtyp))
	}
	return d, nil
}

func parseRversion(d *decoder) (msize uint32, version string, err error) {
	msize = d.u32()
	version = d.str()
	return msize, version, d.done("Rversion")
}

func parseQidReply(d *decoder, what string) (Qid, error) {
	q := d.qid()
	return q, d.done(what)
}

func parseRlopen(d *decoder) (Qid, uint32, error) {
	q := d.qid()
	iounit := d.u32()
	return q, iounit, d.done("Rlopen")
}

func parseRwalk(d *decoder, nwname int) ([]Qid, error) {
	n := int(d.u16())
	if n > nwname {
		return nil, protoErr("Rwalk: %d qids for %d names", n, nwname)
	}
	if n*qidLen != len(d.b) {
		return nil, protoErr("Rwalk: %d qids in %d bytes", n, len(d.b))
	}
	qids := make([]Qid, n)
	for i := range qids {
		qids[i] = d.qid()
	}
	return qids, d.done("Rwalk")
}

// parseRread returns the data of a Rread for a request of count bytes;
// it aliases the reply buffer.
func parseRread(d *decoder, count uint32) ([]byte, error) {
	n := d.u32()
	if n > count {
		return nil, protoErr("Rread: %d bytes for a %d-byte request", n, count)
	}
	data := d.take(int(n))
	return data, d.done("Rread")
}

func parseRreadlink(d *decoder) (string, error) {
	s := d.str()
	return s, d.done("Rreadlink")
}

func parseRgetattr(d *decoder) (Attr, error) {
	var a Attr
	if len(d.b) != rgetattrLen {
		return a, protoErr("Rgetattr: body of %d bytes, want %d", len(d.b), rgetattrLen)
	}
	a.Valid = d.u64()
	a.Qid = d.qid()
	a.Mode = d.u32()
	a.UID = d.u32()
	a.GID = d.u32()
	a.Nlink = d.u64()
	a.Rdev = d.u64()
	a.Size = d.u64()
	a.Blksize = d.u64()
	a.Blocks = d.u64()
	ts := func() time.Time {
		sec, nsec := d.u64(), d.u64()
		return time.Unix(int64(sec), int64(nsec))
	}
	a.Atime = ts()
	a.Mtime = ts()
	a.Ctime = ts()
	a.Btime = ts()
	a.Gen = d.u64()
	a.DataVersion = d.u64()
	return a, d.done("Rgetattr")
}

// dirent is one Rreaddir record: qid[13] offset[8] type[1] name[s].
type dirent struct {
	qid  Qid
	off  uint64
	typ  uint8
	name string
}

// parseRreaddir returns the entries of a Rreaddir for a request of count
// bytes. Names must be usable as io/fs path elements ("." and ".." are
// allowed here; the caller skips them).
func parseRreaddir(d *decoder, count uint32) ([]dirent, error) {
	n := d.u32()
	if n > count {
		return nil, protoErr("Rreaddir: %d bytes for a %d-byte request", n, count)
	}
	data := d.take(int(n))
	if err := d.done("Rreaddir"); err != nil {
		return nil, err
	}
	var out []dirent
	e := decoder{b: data}
	for len(e.b) > 0 {
		var de dirent
		de.qid = e.qid()
		de.off = e.u64()
		de.typ = e.u8()
		de.name = e.str()
		if e.bad {
			return nil, protoErr("Rreaddir: entry %d runs past the data", len(out))
		}
		if !validName(de.name) {
			return nil, protoErr("Rreaddir: entry %d has name %q", len(out), de.name)
		}
		out = append(out, de)
	}
	return out, nil
}

// validName: a directory entry name the server may send (no empty name,
// no slash, no NUL).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '/' || s[i] == 0 {
			return false
		}
	}
	return true
}

// fileMode converts a Linux st_mode to an fs.FileMode; without a valid
// mode the qid type gives the type and the permissions stay zero.
func fileMode(mode uint32, modeValid bool, q Qid) fs.FileMode {
	if !modeValid {
		return qidMode(q)
	}
	m := fs.FileMode(mode & 0o777)
	switch mode & sIFMT {
	case sIFREG:
	case sIFDIR:
		m |= fs.ModeDir
	case sIFLNK:
		m |= fs.ModeSymlink
	case sIFIFO:
		m |= fs.ModeNamedPipe
	case sIFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case sIFBLK:
		m |= fs.ModeDevice
	case sIFSOCK:
		m |= fs.ModeSocket
	default:
		m |= fs.ModeIrregular
	}
	if mode&sISUID != 0 {
		m |= fs.ModeSetuid
	}
	if mode&sISGID != 0 {
		m |= fs.ModeSetgid
	}
	if mode&sISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func qidMode(q Qid) fs.FileMode {
	switch {
	case q.Type&QidTypeDir != 0:
		return fs.ModeDir
	case q.Type&QidTypeSymlink != 0:
		return fs.ModeSymlink
	}
	return 0
}

// direntType converts a Rreaddir type byte (a Linux d_type) to fs.FileMode
// type bits, falling back to the qid for DT_UNKNOWN and unknown values.
func direntType(t uint8, q Qid) fs.FileMode {
	switch t {
	case dtReg:
		return 0
	case dtDir:
		return fs.ModeDir
	case dtLnk:
		return fs.ModeSymlink
	case dtFIFO:
		return fs.ModeNamedPipe
	case dtChr:
		return fs.ModeDevice | fs.ModeCharDevice
	case dtBlk:
		return fs.ModeDevice
	case dtSock:
		return fs.ModeSocket
	}
	return qidMode(q)
}
