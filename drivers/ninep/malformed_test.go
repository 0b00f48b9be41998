package ninep

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// tamperTransport passes requests to a server and lets fix rewrite the
// reply to requests of type on; fix returns the byte count to report.
type tamperTransport struct {
	inner Transport
	on    uint8
	fix   func(req, reply []byte, n int) int
}

func (tt *tamperTransport) RPC(req, reply []byte) (int, error) {
	n, err := tt.inner.RPC(req, reply)
	if err != nil || req[4] != tt.on {
		return n, err
	}
	return tt.fix(req, reply, n), nil
}

// Reply surgery, in the test's own encoding.
func setSize(b []byte, v int) { binary.LittleEndian.PutUint32(b, uint32(v)) }

// resize changes a reply's length by delta, keeping the size field right.
func resize(reply []byte, n, delta int) int {
	setSize(reply, n+delta)
	return n + delta
}

// replace writes a whole new reply with the request's tag.
func replace(req, reply []byte, typ uint8, body []byte) int {
	return copy(reply, frame(typ, binary.LittleEndian.Uint16(req[5:]), body))
}

func smallTree() fstest.MapFS {
	return fstest.MapFS{
		"hello.txt": {Data: []byte("hello, world\n")},
		"dir/a.txt": {Data: []byte("a\n")},
		"dir/b.txt": {Data: []byte("b\n")},
		"link":      {Data: []byte("hello.txt"), Mode: fs.ModeSymlink},
	}
}

func TestMalformedReplies(t *testing.T) {
	readFile := func(c *Client) error { _, err := c.ReadFile("hello.txt"); return err }
	stat := func(c *Client) error { _, err := c.Stat("hello.txt"); return err }
	walk2 := func(c *Client) error { _, err := c.Stat("dir/a.txt"); return err }
	readDir := func(c *Client) error { _, err := c.ReadDir("dir"); return err }
	readLink := func(c *Client) error { _, err := c.ReadLink("link"); return err }
	closeFile := func(c *Client) error {
		f, err := c.Open("hello.txt")
		if err != nil {
			return err
		}
		return f.Close()
	}
	for _, tc := range []struct {
		name string
		on   uint8 // request type whose reply is tampered with
		op   func(*Client) error
		fix  func(req, reply []byte, n int) int
		// notProto: the error need not wrap ErrProtocol.
		notProto bool
	}{
		{"short reply", sTgetattr, stat, func(req, reply []byte, n int) int { return 5 }, false},
		{"zero-byte reply", sTgetattr, stat, func(req, reply []byte, n int) int { return 0 }, false},
		{"size field past the reply", sTgetattr, stat, func(req, reply []byte, n int) int { setSize(reply, n+4); return n }, false},
		{"size field below a header", sTgetattr, stat, func(req, reply []byte, n int) int { setSize(reply, 3); return n }, false},
		{"count beyond the buffer", sTgetattr, stat, func(req, reply []byte, n int) int { return len(reply) + 1 }, false},
		{"negative count", sTgetattr, stat, func(req, reply []byte, n int) int { return -1 }, false},
		{"truncated Rgetattr", sTgetattr, stat, func(req, reply []byte, n int) int { return resize(reply, n, -10) }, false},
		{"Rgetattr with a trailing byte", sTgetattr, stat, func(req, reply []byte, n int) int { return resize(reply, n, 1) }, false},
		{"Rclunk with a trailing byte", sTclunk, closeFile, func(req, reply []byte, n int) int { return resize(reply, n, 1) }, false},
		{"wrong tag", sTgetattr, stat, func(req, reply []byte, n int) int { reply[5] ^= 1; return n }, false},
		{"wrong tag on Tread", sTread, readFile, func(req, reply []byte, n int) int { reply[6] ^= 0x80; return n }, false},
		{"wrong type", sTread, readFile, func(req, reply []byte, n int) int { reply[4] = sTwalk + 1; return n }, false},
		{"request type echoed", sTgetattr, stat, func(req, reply []byte, n int) int { reply[4] = sTgetattr; return n }, false},
		{"Rread count past the reply", sTread, readFile, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint32(reply[7:], uint32(n-11+5))
			return n
		}, false},
		{"Rread count larger than requested", sTread, readFile, func(req, reply []byte, n int) int {
			count := binary.LittleEndian.Uint32(req[19:])
			body := binary.LittleEndian.AppendUint32(nil, count+1)
			return replace(req, reply, sTread+1, append(body, make([]byte, count+1)...))
		}, false},
		{"Rread count 2^32-1", sTread, readFile, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint32(reply[7:], ^uint32(0))
			return n
		}, false},
		{"Rreadlink string past the end", sTreadlink, readLink, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint16(reply[7:], 200)
			return n
		}, false},
		{"Rreadlink string short of the end", sTreadlink, readLink, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint16(reply[7:], 2)
			return n
		}, false},
		{"Rwalk more qids than names", sTwalk, walk2, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint16(reply[7:], 3)
			return resize(reply, n, 13)
		}, false},
		{"Rwalk qid count past the end", sTwalk, walk2, func(req, reply []byte, n int) int {
			return resize(reply, n, -13)
		}, false},
		{"Rreaddir count larger than requested", sTreaddir, readDir, func(req, reply []byte, n int) int {
			count := binary.LittleEndian.Uint32(req[19:])
			body := binary.LittleEndian.AppendUint32(nil, count+1)
			return replace(req, reply, sTreaddir+1, append(body, make([]byte, count+1)...))
		}, false},
		{"Rreaddir count past the reply", sTreaddir, readDir, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint32(reply[7:], uint32(n-11+1))
			return n
		}, false},
		{"Rreaddir entry name past the data", sTreaddir, readDir, func(req, reply []byte, n int) int {
			if n > 11 {
				binary.LittleEndian.PutUint16(reply[11+22:], 0x0FFF) // first entry's name length
			}
			return n
		}, false},
		{"Rreaddir entry cut short", sTreaddir, readDir, func(req, reply []byte, n int) int {
			if n <= 11 {
				return n
			}
			count := binary.LittleEndian.Uint32(reply[7:])
			binary.LittleEndian.PutUint32(reply[7:], count-3)
			return resize(reply, n, -3)
		}, false},
		{"Rreaddir name with a slash", sTreaddir, readDir, func(req, reply []byte, n int) int {
			if n > 11 {
				reply[11+24] = '/' // the first entry is "."
			}
			return n
		}, false},
		{"Rreaddir empty name", sTreaddir, readDir, func(req, reply []byte, n int) int {
			if n <= 11 {
				return n
			}
			body := binary.LittleEndian.AppendUint32(nil, 24)
			body = append(body, make([]byte, 13)...)         // qid
			body = binary.LittleEndian.AppendUint64(body, 1) // offset
			body = append(body, 8)                           // type
			body = binary.LittleEndian.AppendUint16(body, 0) // name ""
			return replace(req, reply, sTreaddir+1, body)
		}, false},
		{"Rreaddir offset does not advance", sTreaddir, readDir, func(req, reply []byte, n int) int {
			for off := 11; off+24 <= n; {
				binary.LittleEndian.PutUint64(reply[off+13:], 0)
				off += 24 + int(binary.LittleEndian.Uint16(reply[off+22:]))
			}
			return n
		}, false},
		{"Rlerror errno 0", sTgetattr, stat, func(req, reply []byte, n int) int {
			return replace(req, reply, sRlerror, []byte{0, 0, 0, 0})
		}, false},
		{"Rlerror truncated", sTgetattr, stat, func(req, reply []byte, n int) int {
			return replace(req, reply, sRlerror, []byte{2, 0})
		}, false},
		{"Rlerror too long", sTgetattr, stat, func(req, reply []byte, n int) int {
			return replace(req, reply, sRlerror, []byte{2, 0, 0, 0, 0})
		}, false},
		{"Rlerror is an errno", sTgetattr, stat, func(req, reply []byte, n int) int {
			return replace(req, reply, sRlerror, []byte{13, 0, 0, 0}) // EACCES
		}, true},
		{"Rlopen truncated", sTlopen, readFile, func(req, reply []byte, n int) int { return resize(reply, n, -4) }, false},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			s := newServer(t, smallTree())
			c, err := Dial(s, 1024, "")
			if err != nil {
				t.Fatal(err)
			}
			c.t = &tamperTransport{inner: s, on: tc.on, fix: tc.fix}
			err = tc.op(c)
			if err == nil {
				t.Fatalf("%s with a tampered reply = nil, want an error", tc.name)
			}
			if !tc.notProto && !errors.Is(err, ErrProtocol) {
				t.Errorf("%s = %v, want an error wrapping ErrProtocol", tc.name, err)
			}
			if tc.notProto && errors.Is(err, ErrProtocol) {
				t.Errorf("%s = %v, want no ErrProtocol", tc.name, err)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				t.Errorf("%s = %T %v, want *fs.PathError", tc.name, err, err)
			}
		})
	}
}

func TestMalformedDial(t *testing.T) {
	for _, tc := range []struct {
		name string
		on   uint8
		fix  func(req, reply []byte, n int) int
	}{
		{"Rversion truncated", sTversion, func(req, reply []byte, n int) int { return resize(reply, n, -3) }},
		{"Rversion string past the end", sTversion, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint16(reply[11:], 100)
			return n
		}},
		{"Rversion with a tag", sTversion, func(req, reply []byte, n int) int { reply[5] = 1; return n }},
		{"Rversion msize below the minimum", sTversion, func(req, reply []byte, n int) int {
			binary.LittleEndian.PutUint32(reply[7:], 100)
			return n
		}},
		{"Rattach of a file", sTattach, func(req, reply []byte, n int) int { reply[7] = 0; return n }},
		{"Rattach truncated", sTattach, func(req, reply []byte, n int) int { return resize(reply, n, -1) }},
		{"Rattach wrong type", sTattach, func(req, reply []byte, n int) int { reply[4] = sTwalk + 1; return n }},
	} {
		s := newServer(t, smallTree())
		_, err := Dial(&tamperTransport{inner: s, on: tc.on, fix: tc.fix}, 1024, "")
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("Dial(%s) = %v, want an error wrapping ErrProtocol", tc.name, err)
		}
	}
}

// Direct decoder checks on hand-made bodies.
func TestDecoders(t *testing.T) {
	if _, err := parseRgetattr(&decoder{b: make([]byte, 152)}); !errors.Is(err, ErrProtocol) {
		t.Errorf("parseRgetattr(152 bytes) = %v, want ErrProtocol", err)
	}
	if _, err := parseRgetattr(&decoder{b: make([]byte, 153)}); err != nil {
		t.Errorf("parseRgetattr(153 bytes) = %v, want nil", err)
	}
	if q, err := parseRwalk(&decoder{b: []byte{0, 0}}, 3); len(q) != 0 || err != nil {
		t.Errorf("parseRwalk(0 qids) = %v, %v, want [], nil", q, err)
	}
	if _, err := parseRwalk(&decoder{b: append([]byte{1, 0}, make([]byte, 12)...)}, 3); !errors.Is(err, ErrProtocol) {
		t.Errorf("parseRwalk(1 qid in 12 bytes) = %v, want ErrProtocol", err)
	}
	rec := []byte{0x80, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 'a', 'b'}
	body := append(binary.LittleEndian.AppendUint32(nil, uint32(len(rec))), rec...)
	ents, err := parseRreaddir(&decoder{b: body}, 100)
	want := []dirent{{qid: Qid{Type: 0x80, Version: 1, Path: 9}, off: 5, typ: 4, name: "ab"}}
	if !slices.Equal(ents, want) || err != nil {
		t.Errorf("parseRreaddir(one entry) = %+v, %v, want %+v, nil", ents, err, want)
	}
	if _, err := parseRreaddir(&decoder{b: body}, uint32(len(rec)-1)); !errors.Is(err, ErrProtocol) {
		t.Errorf("parseRreaddir(count above request) = %v, want ErrProtocol", err)
	}
	var d decoder
	if d.u64() != 0 || d.str() != "" || !d.bad {
		t.Errorf("empty decoder reads = non-zero or not bad, want zeros and bad")
	}
}
