package ninep

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
)

// fuzzTransport answers each request with the next record of data:
// ctl[1] len[2] bytes[len]. ctl bit 0 sets the size field and the tag
// to fit, bit 1 sets the type to the request's type+1, and bits 4..7
// (when bit 2 is set) are added to the reported byte count.
type fuzzTransport struct{ data []byte }

var errFuzzDone = errors.New("fuzz data exhausted")

func (ft *fuzzTransport) RPC(req, reply []byte) (int, error) {
	if len(ft.data) < 3 {
		return 0, errFuzzDone
	}
	ctl, l := ft.data[0], int(binary.LittleEndian.Uint16(ft.data[1:]))
	ft.data = ft.data[3:]
	l = min(l, len(ft.data))
	n := copy(reply, ft.data[:l])
	ft.data = ft.data[l:]
	if n >= 7 && ctl&1 != 0 {
		binary.LittleEndian.PutUint32(reply, uint32(n))
		copy(reply[5:7], req[5:7])
	}
	if n >= 7 && ctl&2 != 0 {
		reply[4] = req[4] + 1
	}
	if ctl&4 != 0 {
		n += int(ctl >> 4)
	}
	return n, nil
}

// recordTransport records a server's replies in fuzzTransport's format.
type recordTransport struct {
	inner Transport
	out   []byte
}

func (rt *recordTransport) RPC(req, reply []byte) (int, error) {
	n, err := rt.inner.RPC(req, reply)
	if err == nil {
		rt.out = append(rt.out, 0)
		rt.out = binary.LittleEndian.AppendUint16(rt.out, uint16(n))
		rt.out = append(rt.out, reply[:n]...)
	}
	return n, err
}

func fuzzTree() fstest.MapFS {
	m := smallTree()
	m["big.bin"] = &fstest.MapFile{Data: bigData[:1500]}
	m["dirlink"] = &fstest.MapFile{Data: []byte("dir"), Mode: fs.ModeSymlink}
	return m
}

const fuzzMsize = 1024

// fuzzOps are the operations a fuzz input drives after Dial, one per
// input (chosen by its first byte) so that inputs stay small. Errors are
// ignored; only panics and hangs matter.
var fuzzOps = []func(c *Client){
	func(c *Client) { c.ReadFile("hello.txt") },
	func(c *Client) { c.ReadFile("link") },
	func(c *Client) { c.Stat("dirlink/a.txt") },
	func(c *Client) { c.Lstat("link"); c.ReadLink("link") },
	func(c *Client) {
		if ents, err := c.ReadDir("dir"); err == nil {
			for _, e := range ents {
				e.Info()
			}
		}
	},
	func(c *Client) {
		f, err := c.Open("big.bin")
		if err != nil {
			return
		}
		buf := make([]byte, 700)
		f.Read(buf)
		if ra, ok := f.(io.ReaderAt); ok {
			ra.ReadAt(buf, 1000)
		}
		if sk, ok := f.(io.Seeker); ok {
			sk.Seek(-5, io.SeekEnd)
		}
		f.Stat()
		f.Close()
	},
	func(c *Client) {
		f, err := c.Open("dir")
		if err != nil {
			return
		}
		if d, ok := f.(fs.ReadDirFile); ok {
			d.ReadDir(1)
			d.ReadDir(-1)
		}
		f.Close()
	},
	func(c *Client) { c.ReadFile("nope") },
}

func fuzzSession(op byte, t Transport) {
	c, err := Dial(t, fuzzMsize, "")
	if err != nil {
		return
	}
	fuzzOps[int(op)%len(fuzzOps)](c)
	c.Close()
}

// recordSeed runs operation op against the fake server and returns it as
// a fuzz input that replays the session.
func recordSeed(tb testing.TB, op byte) ([]byte, *fakeServer) {
	s := newServer(tb, fuzzTree())
	rt := &recordTransport{inner: s, out: []byte{op}}
	fuzzSession(op, rt)
	return rt.out, s
}

// decodeAll runs every reply decoder over b.
func decodeAll(b []byte) {
	for _, typ := range []uint8{msgTversion, msgTattach, msgTwalk, msgTlopen, msgTread, msgTreaddir, msgTgetattr, msgTreadlink, msgTclunk} {
		var tag uint16
		if len(b) >= 7 {
			tag = binary.LittleEndian.Uint16(b[5:])
		}
		for _, n := range []int{len(b), len(b) / 2, len(b) + 1} {
			d, err := checkReply(b, n, typ, tag)
			if err != nil {
				continue
			}
			switch typ {
			case msgTversion:
				parseRversion(&d)
			case msgTattach:
				parseQidReply(&d, "Rattach")
			case msgTwalk:
				parseRwalk(&d, maxWalkNames)
			case msgTlopen:
				parseRlopen(&d)
			case msgTread:
				parseRread(&d, fuzzMsize)
			case msgTreaddir:
				parseRreaddir(&d, fuzzMsize)
			case msgTgetattr:
				parseRgetattr(&d)
			case msgTreadlink:
				parseRreadlink(&d)
			case msgTclunk:
				d.done("Rclunk")
			}
		}
	}
	// And the bodies alone.
	parseRwalk(&decoder{b: b}, 16)
	parseRreaddir(&decoder{b: b}, ^uint32(0))
	parseRread(&decoder{b: b}, ^uint32(0))
	parseRgetattr(&decoder{b: b})
	parseRversion(&decoder{b: b})
}

func FuzzReply(f *testing.F) {
	// A recorded session replays exactly (the client's tags are
	// deterministic), so the fuzzer starts deep in the protocol.
	for op := range len(fuzzOps) {
		seed, _ := recordSeed(f, byte(op))
		f.Add(seed)
		// The same session with every reply's framing fixed up by ctl.
		b := slices.Clone(seed)
		for i := 1; i+3 <= len(b); i += 3 + int(binary.LittleEndian.Uint16(b[i+1:])) {
			b[i] = 3
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeAll(data)
		if len(data) > 0 {
			fuzzSession(data[0], &fuzzTransport{data: data[1:]})
		}
	})
}

func TestFuzzSeedsReplay(t *testing.T) {
	// Each recorded seed drives a complete session that clunks its fids,
	// and replaying it gives the same answers.
	for op := range len(fuzzOps) {
		seed, s := recordSeed(t, byte(op))
		if s.liveFids() != 0 {
			t.Errorf("op %d: server fids after the recorded session = %d, want 0", op, s.liveFids())
		}
		ft := &fuzzTransport{data: seed[1:]}
		if _, err := Dial(ft, fuzzMsize, ""); err != nil {
			t.Errorf("op %d: Dial(replayed session) = %v, want nil", op, err)
		}
	}
	seed, _ := recordSeed(t, 0)
	ft := &fuzzTransport{data: seed[1:]}
	c, err := Dial(ft, fuzzMsize, "")
	if err != nil {
		t.Fatalf("Dial(replayed session) = %v, want nil", err)
	}
	if got, err := c.ReadFile("hello.txt"); string(got) != "hello, world\n" || err != nil {
		t.Errorf("ReadFile(hello.txt) replayed = %q, %v, want \"hello, world\\n\", nil", got, err)
	}
	if len(ft.data) != 3+7 { // only the Rclunk of Close is left
		t.Errorf("replayed session left %d bytes, want 10", len(ft.data))
	}
}
