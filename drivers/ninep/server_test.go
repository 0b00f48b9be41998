package ninep

// A fake 9P2000.L server behind the Transport interface. It decodes
// requests and encodes replies with its own helpers (encoding/binary,
// its own message numbers), written apart from the client's, so that a
// bug shared by an encoder and its decoder shows up as a failure.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// Message numbers from the 9P2000.L message list, kept apart from the
// client's constants on purpose.
const (
	sRlerror   = 7
	sTlopen    = 12
	sTreadlink = 22
	sTgetattr  = 24
	sTreaddir  = 40
	sTversion  = 100
	sTattach   = 104
	sTwalk     = 110
	sTread     = 116
	sTclunk    = 120

	sNoFid = 0xFFFFFFFF
	sNoTag = 0xFFFF

	// Linux errnos the server answers with.
	eNOENT      = 2
	eNOTDIR     = 20
	eISDIR      = 21
	eINVAL      = 22
	eLOOP       = 40
	getattrMask = 0x7ff // P9_GETATTR_BASIC
)

var defaultMtime = time.Unix(1700000000, 123456789)

// snode is one file of the fake tree.
type snode struct {
	mode  fs.FileMode
	data  []byte // contents, or a symbolic link's target
	mtime time.Time
	ino   uint64
	kids  []string // sorted names, for directories
}

// sfid is a fid the server knows.
type sfid struct {
	path string
	open bool
}

type fakeServer struct {
	t     testing.TB
	nodes map[string]*snode

	// Knobs.
	maxMsize        uint32
	answerVersion   string // answer this version instead of the client's
	iounit          uint32
	wholeWalkErrors bool   // fail a whole Twalk when any name fails (older QEMU)
	readdirCap      uint32 // if non-zero, at most this many bytes per Rreaddir

	// State.
	msize  uint32
	fids   map[uint32]*sfid
	calls  map[uint8]int
	maxFid uint32
	aname  string
	uname  string
	nuname uint32
	reqs   [][]byte // every request, when record is set
	record bool
}

func newServer(t testing.TB, m fstest.MapFS) *fakeServer {
	s := &fakeServer{t: t, maxMsize: 1 << 16, fids: map[uint32]*sfid{}, calls: map[uint8]int{}}
	s.nodes = map[string]*snode{".": {mode: fs.ModeDir | 0o755, mtime: defaultMtime}}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}) {
		f := m[k]
		for d := path.Dir(k); d != "."; d = path.Dir(d) {
			if s.nodes[d] == nil {
				s.nodes[d] = &snode{mode: fs.ModeDir | 0o755, mtime: defaultMtime}
			}
		}
		n := &snode{mode: f.Mode, data: f.Data, mtime: f.ModTime}
		if n.mtime.IsZero() {
			n.mtime = defaultMtime
		}
		switch {
		case n.mode&fs.ModeSymlink != 0:
			n.mode = fs.ModeSymlink | 0o777
		case n.mode.IsDir() && n.mode.Perm() == 0:
			n.mode |= 0o755
		case n.mode == 0:
			n.mode = 0o644
		}
		s.nodes[k] = n
	}
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range s.nodes {
			if !yield(p) {
				return
			}
		}
	})
	for i, p := range paths {
		s.nodes[p].ino = uint64(1000 + i)
		if p != "." {
			parent := s.nodes[path.Dir(p)]
			parent.kids = append(parent.kids, path.Base(p))
		}
	}
	return s
}

// liveFids is the number of fids the server holds.
func (s *fakeServer) liveFids() int { return len(s.fids) }

// expected lists every path but the root with its type, sorted.
func (s *fakeServer) expected() []string {
	var out []string
	for p, n := range s.nodes {
		if p != "." {
			out = append(out, fmt.Sprintf("%s %v", p, n.mode.Type()))
		}
	}
	slices.Sort(out)
	return out
}

// Test-side encoding.

type wmsg []byte

func (m wmsg) u8(v uint8) wmsg   { return append(m, v) }
func (m wmsg) u16(v uint16) wmsg { return binary.LittleEndian.AppendUint16(m, v) }
func (m wmsg) u32(v uint32) wmsg { return binary.LittleEndian.AppendUint32(m, v) }
func (m wmsg) u64(v uint64) wmsg { return binary.LittleEndian.AppendUint64(m, v) }
func (m wmsg) str(s string) wmsg { return append(m.u16(uint16(len(s))), s...) }
func (m wmsg) qid(n *snode) wmsg {
	return m.u8(qidTypeOf(n)).u32(0).u64(n.ino)
}

func frame(typ uint8, tag uint16, body []byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(7+len(body)))
	out = append(out, typ)
	out = binary.LittleEndian.AppendUint16(out, tag)
	return append(out, body...)
}

func qidTypeOf(n *snode) uint8 {
	switch {
	case n.mode.IsDir():
		return 0x80
	case n.mode&fs.ModeSymlink != 0:
		return 0x02
	}
	return 0
}

func linuxMode(m fs.FileMode) uint32 {
	v := uint32(m.Perm())
	switch {
	case m.IsDir():
		v |= 0o040000
	case m&fs.ModeSymlink != 0:
		v |= 0o120000
	default:
		v |= 0o100000
	}
	return v
}

func dtype(n *snode) uint8 {
	switch {
	case n.mode.IsDir():
		return 4
	case n.mode&fs.ModeSymlink != 0:
		return 10
	}
	return 8
}

// Test-side decoding.

type rmsg struct {
	b   []byte
	pos int
	bad bool
}

func (r *rmsg) next(n int) []byte {
	if r.bad || r.pos+n > len(r.b) {
		r.bad = true
		return make([]byte, n)
	}
	v := r.b[r.pos : r.pos+n]
	r.pos += n
	return v
}
func (r *rmsg) u16() uint16 { return binary.LittleEndian.Uint16(r.next(2)) }
func (r *rmsg) u32() uint32 { return binary.LittleEndian.Uint32(r.next(4)) }
func (r *rmsg) u64() uint64 { return binary.LittleEndian.Uint64(r.next(8)) }
func (r *rmsg) str() string { return string(r.next(int(r.u16()))) }

var errServer = errors.New("fake server: bad request")

// RPC is the Transport: it serves one request.
func (s *fakeServer) RPC(req, reply []byte) (int, error) {
	if s.record {
		s.reqs = append(s.reqs, slices.Clone(req))
	}
	out, err := s.serve(req, len(reply))
	if err != nil {
		s.t.Errorf("fake server: %v (request % x)", err, req[:min(len(req), 32)])
		return 0, errServer
	}
	if len(out) > len(reply) {
		s.t.Errorf("fake server: reply of %d bytes, buffer of %d", len(out), len(reply))
		return 0, errServer
	}
	return copy(reply, out), nil
}

func (s *fakeServer) serve(req []byte, replyLen int) ([]byte, error) {
	if len(req) < 7 {
		return nil, fmt.Errorf("request of %d bytes", len(req))
	}
	if size := binary.LittleEndian.Uint32(req); int(size) != len(req) {
		return nil, fmt.Errorf("size field %d for %d bytes", size, len(req))
	}
	if s.msize != 0 && len(req) > int(s.msize) {
		return nil, fmt.Errorf("request of %d bytes exceeds msize %d", len(req), s.msize)
	}
	if s.msize != 0 && replyLen < int(s.msize) {
		return nil, fmt.Errorf("reply buffer of %d bytes, msize %d", replyLen, s.msize)
	}
	typ, tag := req[4], binary.LittleEndian.Uint16(req[5:])
	s.calls[typ]++
	r := &rmsg{b: req[7:]}
	body, errno, err := s.dispatch(typ, tag, r)
	if err != nil {
		return nil, err
	}
	if r.bad || r.pos != len(r.b) {
		return nil, fmt.Errorf("type %d: malformed body (%d of %d bytes used)", typ, r.pos, len(r.b))
	}
	if errno != 0 {
		return frame(sRlerror, tag, wmsg(nil).u32(errno)), nil
	}
	return frame(typ+1, tag, body), nil
}

func (s *fakeServer) fid(f uint32) (*sfid, error) {
	sf := s.fids[f]
	if sf == nil {
		return nil, fmt.Errorf("unknown fid %d", f)
	}
	return sf, nil
}

func (s *fakeServer) newFid(f uint32, p string) error {
	if f == sNoFid {
		return fmt.Errorf("NOFID used as a fid")
	}
	if s.fids[f] != nil {
		return fmt.Errorf("fid %d already in use", f)
	}
	s.fids[f] = &sfid{path: p}
	s.maxFid = max(s.maxFid, f)
	return nil
}

// dispatch returns a reply body, or an errno for Rlerror, or an error for
// a request the client should never have sent.
func (s *fakeServer) dispatch(typ uint8, tag uint16, r *rmsg) (wmsg, uint32, error) {
	if typ != sTversion && s.msize == 0 {
		return nil, 0, fmt.Errorf("type %d before Tversion", typ)
	}
	if typ != sTversion && tag == sNoTag {
		return nil, 0, fmt.Errorf("NOTAG on type %d", typ)
	}
	switch typ {
	case sTversion:
		msize, version := r.u32(), r.str()
		if tag != sNoTag {
			return nil, 0, fmt.Errorf("Tversion with tag %d", tag)
		}
		s.msize = min(msize, s.maxMsize)
		s.fids = map[uint32]*sfid{}
		answer := version
		if version != "9P2000.L" {
			answer = "unknown"
		}
		if s.answerVersion != "" {
			answer = s.answerVersion
		}
		return wmsg(nil).u32(s.msize).str(answer), 0, nil

	case sTattach:
		fid, afid := r.u32(), r.u32()
		s.uname, s.aname, s.nuname = r.str(), r.str(), r.u32()
		if afid != sNoFid {
			return nil, 0, fmt.Errorf("Tattach afid %d", afid)
		}
		if err := s.newFid(fid, "."); err != nil {
			return nil, 0, err
		}
		return wmsg(nil).qid(s.nodes["."]), 0, nil

	case sTwalk:
		fid, newfid, n := r.u32(), r.u32(), int(r.u16())
		names := make([]string, 0, n)
		for range n {
			names = append(names, r.str())
		}
		if r.bad {
			return nil, 0, nil
		}
		if n > 16 {
			return nil, 0, fmt.Errorf("Twalk of %d names", n)
		}
		sf, err := s.fid(fid)
		if err != nil {
			return nil, 0, err
		}
		if sf.open {
			return nil, 0, fmt.Errorf("Twalk from open fid %d", fid)
		}
		if newfid != fid && s.fids[newfid] != nil {
			return nil, 0, fmt.Errorf("Twalk to fid %d in use", newfid)
		}
		cur := sf.path
		var qids []*snode
		var errno uint32
		for _, name := range names {
			if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
				return nil, 0, fmt.Errorf("Twalk name %q", name)
			}
			if !s.nodes[cur].mode.IsDir() {
				errno = eNOTDIR
				break
			}
			next := path.Join(cur, name)
			if s.nodes[next] == nil {
				errno = eNOENT
				break
			}
			cur = next
			qids = append(qids, s.nodes[cur])
		}
		if errno != 0 && (len(qids) == 0 || s.wholeWalkErrors) {
			return nil, errno, nil
		}
		if errno == 0 {
			if newfid == fid {
				sf.path = cur
			} else if err := s.newFid(newfid, cur); err != nil {
				return nil, 0, err
			}
		}
		m := wmsg(nil).u16(uint16(len(qids)))
		for _, q := range qids {
			m = m.qid(q)
		}
		return m, 0, nil

	case sTlopen:
		fid, flags := r.u32(), r.u32()
		sf, err := s.fid(fid)
		if err != nil {
			return nil, 0, err
		}
		if flags != 0 {
			return nil, 0, fmt.Errorf("Tlopen flags %#o on a read-only share", flags)
		}
		if sf.open {
			return nil, 0, fmt.Errorf("Tlopen of open fid %d", fid)
		}
		n := s.nodes[sf.path]
		if n.mode&fs.ModeSymlink != 0 {
			return nil, eLOOP, nil
		}
		sf.open = true
		return wmsg(nil).qid(n).u32(s.iounit), 0, nil

	case sTread:
		fid, off, count := r.u32(), r.u64(), r.u32()
		sf, err := s.fid(fid)
		if err != nil {
			return nil, 0, err
		}
		if !sf.open {
			return nil, 0, fmt.Errorf("Tread of unopened fid %d", fid)
		}
		if count > s.msize-11 {
			return nil, 0, fmt.Errorf("Tread count %d with msize %d", count, s.msize)
		}
		if s.iounit != 0 && count > s.iounit {
			return nil, 0, fmt.Errorf("Tread count %d with iounit %d", count, s.iounit)
		}
		n := s.nodes[sf.path]
		if n.mode.IsDir() {
			return nil, eISDIR, nil
		}
		var data []byte
		if off < uint64(len(n.data)) {
			data = n.data[off:]
		}
		data = data[:min(len(data), int(count))]
		return append(wmsg(nil).u32(uint32(len(data))), data...), 0, nil

	case sTreaddir:
		fid, off, count := r.u32(), r.u64(), r.u32()
		sf, err := s.fid(fid)
		if err != nil {
			return nil, 0, err
		}
		if !sf.open {
			return nil, 0, fmt.Errorf("Treaddir of unopened fid %d", fid)
		}
		if count > s.msize-11 {
			return nil, 0, fmt.Errorf("Treaddir count %d with msize %d", count, s.msize)
		}
		n := s.nodes[sf.path]
		if !n.mode.IsDir() {
			return nil, eNOTDIR, nil
		}
		if s.readdirCap != 0 {
			count = min(count, s.readdirCap)
		}
		names := append([]string{".", ".."}, n.kids...)
		var data wmsg
		for i := int(off); i < len(names); i++ {
			var e *snode
			switch names[i] {
			case ".":
				e = n
			case "..":
				e = s.nodes[path.Dir(sf.path)]
			default:
				e = s.nodes[path.Join(sf.path, names[i])]
			}
			rec := wmsg(nil).qid(e).u64(uint64(i + 1)).u8(dtype(e)).str(names[i])
			if len(data)+len(rec) > int(count) {
				break
			}
			data = append(data, rec...)
		}
		return append(wmsg(nil).u32(uint32(len(data))), data...), 0, nil

	case sTgetattr:
		fid, mask := r.u32(), r.u64()
		sf, err := s.fid(fid)
		if err != nil {
			return nil, 0, err
		}
		if mask&getattrMask == 0 {
			return nil, 0, fmt.Errorf("Tgetattr mask %#x", mask)
		}
		n := s.nodes[sf.path]
		size := uint64(len(n.data))
		if n.mode.IsDir() {
			size = 4096
		}
		m := wmsg(nil).u64(getattrMask).qid(n).
			u32(linuxMode(n.mode)).u32(1000).u32(1000). // mode uid gid
			u64(1).u64(0).u64(size).u64(4096).u64((size + 511) / 512)
		for range 4 { // atime mtime ctime btime
			m = m.u64(uint64(n.mtime.Unix())).u64(uint64(n.mtime.Nanosecond()))
		}
		return m.u64(0).u64(0), 0, nil

	case sTreadlink:
		sf, err := s.fid(r.u32())
		if err != nil {
			return nil, 0, err
		}
		n := s.nodes[sf.path]
		if n.mode&fs.ModeSymlink == 0 {
			return nil, eINVAL, nil
		}
		return wmsg(nil).str(string(n.data)), 0, nil

	case sTclunk:
		fid := r.u32()
		if _, err := s.fid(fid); err != nil {
			return nil, 0, err
		}
		delete(s.fids, fid)
		return nil, 0, nil
	}
	return nil, 0, fmt.Errorf("unexpected message type %d", typ)
}
