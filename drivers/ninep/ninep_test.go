package ninep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// bigData is larger than several messages at the msizes the tests use.
var bigData = func() []byte {
	b := make([]byte, 5000)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}()

// deepPath is 20 directories deep: more names than one Twalk carries.
var deepPath = strings.Repeat("d/", 20) + "bottom.txt"

// goodTree has only symbolic links that resolve, for fstest.TestFS.
func goodTree() fstest.MapFS {
	m := fstest.MapFS{
		"hello.txt":           {Data: []byte("hello, world\n"), Mode: 0o644, ModTime: time.Unix(1600000000, 42)},
		"empty":               {Data: nil, Mode: 0o600},
		"big.bin":             {Data: bigData, Mode: 0o640},
		"exec.sh":             {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"dir/a.txt":           {Data: []byte("a\n")},
		"dir/sub/deep.txt":    {Data: []byte("deep\n")},
		"dir/sub/link-up":     {Data: []byte("../a.txt"), Mode: fs.ModeSymlink},
		"dir/sub/link-dot":    {Data: []byte("./deep.txt"), Mode: fs.ModeSymlink},
		"link":                {Data: []byte("hello.txt"), Mode: fs.ModeSymlink},
		"dirlink":             {Data: []byte("dir"), Mode: fs.ModeSymlink},
		"linklink":            {Data: []byte("dirlink/sub/link-up"), Mode: fs.ModeSymlink},
		"emptydir":            {Mode: fs.ModeDir | 0o700},
		deepPath:              {Data: []byte("bottom\n")},
		"with space/name.txt": {Data: []byte("spaced\n")},
	}
	for i := range 150 {
		m[fmt.Sprintf("many/entry-with-a-longish-name-%03d", i)] = &fstest.MapFile{Data: []byte{byte(i)}}
	}
	return m
}

// badTree has links that must fail.
func badTree() fstest.MapFS {
	m := fstest.MapFS{
		"target.txt":    {Data: []byte("target\n")},
		"sub/file":      {Data: []byte("file\n")},
		"loop1":         {Data: []byte("loop2"), Mode: fs.ModeSymlink},
		"loop2":         {Data: []byte("loop1"), Mode: fs.ModeSymlink},
		"self":          {Data: []byte("self/x"), Mode: fs.ModeSymlink},
		"escape":        {Data: []byte("../outside"), Mode: fs.ModeSymlink},
		"sub/escape":    {Data: []byte("../../outside"), Mode: fs.ModeSymlink},
		"sub/up":        {Data: []byte("../target.txt"), Mode: fs.ModeSymlink},
		"abs":           {Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink},
		"dangling":      {Data: []byte("nothere"), Mode: fs.ModeSymlink},
		"emptylink":     {Data: []byte(""), Mode: fs.ModeSymlink},
		"sub/absdir":    {Data: []byte("/"), Mode: fs.ModeSymlink},
		"filelink":      {Data: []byte("target.txt"), Mode: fs.ModeSymlink},
		"dotdot-inside": {Data: []byte("sub/../target.txt"), Mode: fs.ModeSymlink},
	}
	// ok00 -> ok01 -> ... -> ok39 -> target.txt: 40 links, the limit.
	for i := range 40 {
		next := fmt.Sprintf("ok%02d", i+1)
		if i == 39 {
			next = "target.txt"
		}
		m[fmt.Sprintf("ok%02d", i)] = &fstest.MapFile{Data: []byte(next), Mode: fs.ModeSymlink}
	}
	// no00 -> ... -> no40 -> target.txt: 41 links, one too many.
	for i := range 41 {
		next := fmt.Sprintf("no%02d", i+1)
		if i == 40 {
			next = "target.txt"
		}
		m[fmt.Sprintf("no%02d", i)] = &fstest.MapFile{Data: []byte(next), Mode: fs.ModeSymlink}
	}
	return m
}

// dial starts a client on s, failing the test on error, and checks at
// the end that every fid but the root was clunked.
func dial(t *testing.T, s *fakeServer, msize uint32) *Client {
	t.Helper()
	c, err := Dial(s, msize, "")
	if err != nil {
		t.Fatalf("Dial(%d) = %v, want a client", msize, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		if n := s.liveFids(); n != 1 {
			t.Errorf("server fids after the test = %d, want 1 (the root): %v", n, s.fids)
		}
		if st := c.Stats(); st.Fids != 1 || st.LeakedFids != 0 {
			t.Errorf("Stats() = %+v, want Fids 1, LeakedFids 0", st)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
		if n := s.liveFids(); n != 0 {
			t.Errorf("server fids after Close = %d, want 0", n)
		}
	})
	return c
}

func TestDialNegotiatesMsize(t *testing.T) {
	for _, tc := range []struct{ client, server, want uint32 }{
		{65536, 8192, 8192},
		{4096, 8192, 4096},
		{8192, 8192, 8192},
		{MinMsize, 1 << 20, MinMsize},
	} {
		s := newServer(t, goodTree())
		s.maxMsize = tc.server
		c := dial(t, s, tc.client)
		if got := c.Msize(); got != tc.want {
			t.Errorf("Dial(msize %d, server %d).Msize() = %d, want %d", tc.client, tc.server, got, tc.want)
		}
		if len(c.reply) != int(tc.want) {
			t.Errorf("Dial(msize %d, server %d): reply buffer %d bytes, want %d", tc.client, tc.server, len(c.reply), tc.want)
		}
		if s.uname != "root" || s.nuname != 0 || s.aname != "" {
			t.Errorf("Tattach uname, aname, n_uname = %q, %q, %d, want \"root\", \"\", 0", s.uname, s.aname, s.nuname)
		}
		// Reads are bounded by the negotiated msize (the server checks).
		if got, err := c.ReadFile("big.bin"); err != nil || !bytes.Equal(got, bigData) {
			t.Errorf("ReadFile(big.bin) at msize %d = %d bytes, %v, want %d bytes, nil", tc.want, len(got), err, len(bigData))
		}
	}
}

func TestDialErrors(t *testing.T) {
	for _, v := range []string{"unknown", "9P2000", "9P2000.u", ""} {
		s := newServer(t, goodTree())
		s.answerVersion = v
		if v == "" {
			s.answerVersion = " " // the knob's zero value means "echo"
		}
		_, err := Dial(s, 8192, "")
		if !errors.Is(err, ErrVersion) {
			t.Errorf("Dial(server answers %q) = %v, want ErrVersion", s.answerVersion, err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", s.answerVersion)) {
			t.Errorf("Dial(server answers %q) error %q does not name the version", s.answerVersion, err)
		}
	}
	s := newServer(t, goodTree())
	if _, err := Dial(s, MinMsize-1, ""); err == nil {
		t.Errorf("Dial(msize %d) = nil error, want an error", MinMsize-1)
	}
	s.maxMsize = 256
	if _, err := Dial(s, 8192, ""); !errors.Is(err, ErrProtocol) {
		t.Errorf("Dial(server msize 256) = %v, want ErrProtocol", err)
	}
}

func TestWalkDir(t *testing.T) {
	for _, whole := range []bool{false, true} {
		s := newServer(t, goodTree())
		s.wholeWalkErrors = whole
		c := dial(t, s, 1024)
		var got []string
		err := fs.WalkDir(c, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != "." {
				got = append(got, fmt.Sprintf("%s %v", p, d.Type()))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("WalkDir(.) = %v, want nil", err)
		}
		slices.Sort(got)
		if want := s.expected(); !slices.Equal(got, want) {
			t.Errorf("WalkDir(.) (wholeWalkErrors %v) = %q, want %q", whole, got, want)
		}
	}
}

func TestFSConformance(t *testing.T) {
	for _, msize := range []uint32{MinMsize, 8192} {
		s := newServer(t, goodTree())
		c := dial(t, s, msize)
		var want []string
		for p := range goodTree() {
			want = append(want, p)
		}
		if err := fstest.TestFS(c, want...); err != nil {
			t.Errorf("fstest.TestFS(client at msize %d) = %v, want nil", msize, err)
		}
	}
}

func TestReadFile(t *testing.T) {
	tree := goodTree()
	for _, tc := range []struct {
		name   string
		msize  uint32
		iounit uint32
	}{
		{"msize512", 512, 0},
		{"msize1024", 1024, 0},
		{"iounit100", 8192, 100},
		{"iounitLarge", 1024, 1 << 20}, // larger than msize: msize wins
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tree)
			s.iounit = tc.iounit
			c := dial(t, s, tc.msize)
			for _, name := range []string{"hello.txt", "empty", "big.bin", "dir/a.txt", deepPath} {
				before := s.calls[sTread]
				got, err := c.ReadFile(name)
				if err != nil || !bytes.Equal(got, tree[name].Data) {
					t.Errorf("ReadFile(%s) = %d bytes, %v, want %d bytes, nil", name, len(got), err, len(tree[name].Data))
				}
				if got == nil && err == nil {
					t.Errorf("ReadFile(%s) = nil slice, want non-nil", name)
				}
				chunk := int(tc.msize) - 24
				if tc.iounit != 0 && int(tc.iounit) < chunk {
					chunk = int(tc.iounit)
				}
				if want := (len(tree[name].Data)+chunk-1)/chunk + 1; s.calls[sTread]-before != want { // data, then an empty Rread
					t.Errorf("ReadFile(%s) Treads = %d, want %d (chunk %d)", name, s.calls[sTread]-before, want, chunk)
				}
			}
			// Streaming through Read with odd sizes.
			f, err := c.Open("big.bin")
			if err != nil {
				t.Fatalf("Open(big.bin) = %v", err)
			}
			var buf bytes.Buffer
			p := make([]byte, 333)
			for {
				n, err := f.Read(p)
				buf.Write(p[:n])
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Read(big.bin) = %v", err)
				}
			}
			if !bytes.Equal(buf.Bytes(), bigData) {
				t.Errorf("Read(big.bin) stream = %d bytes, want %d equal bytes", buf.Len(), len(bigData))
			}
			ra := f.(io.ReaderAt)
			q := make([]byte, 2000)
			if n, err := ra.ReadAt(q, 1234); n != 2000 || err != nil || !bytes.Equal(q, bigData[1234:3234]) {
				t.Errorf("ReadAt(2000 bytes, 1234) = %d, %v, want 2000, nil and equal bytes", n, err)
			}
			if n, err := ra.ReadAt(q, 4000); n != 1000 || err != io.EOF {
				t.Errorf("ReadAt(2000 bytes, 4000) = %d, %v, want 1000, EOF", n, err)
			}
			sk := f.(io.Seeker)
			if off, err := sk.Seek(-10, io.SeekEnd); off != 4990 || err != nil {
				t.Errorf("Seek(-10, End) = %d, %v, want 4990, nil", off, err)
			}
			if n, err := io.ReadFull(f, q[:10]); n != 10 || err != nil || !bytes.Equal(q[:10], bigData[4990:]) {
				t.Errorf("ReadFull after Seek = %d, %v, want 10, nil", n, err)
			}
			if _, err := sk.Seek(-1, io.SeekStart); err == nil {
				t.Errorf("Seek(-1, Start) = nil error, want an error")
			}
			if err := f.Close(); err != nil {
				t.Errorf("Close() = %v, want nil", err)
			}
			if err := f.Close(); !errors.Is(err, fs.ErrClosed) {
				t.Errorf("second Close() = %v, want ErrClosed", err)
			}
			if _, err := f.Read(p); !errors.Is(err, fs.ErrClosed) {
				t.Errorf("Read after Close = %v, want ErrClosed", err)
			}
		})
	}
}

func TestStatLstatReadLink(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	for _, tc := range []struct {
		name  string
		stat  string // Stat: name mode size
		lstat string // Lstat: name mode size
		link  string // ReadLink, "" for an error
	}{
		{"hello.txt", "hello.txt -rw-r--r-- 13", "hello.txt -rw-r--r-- 13", ""},
		{"link", "link -rw-r--r-- 13", "link Lrwxrwxrwx 9", "hello.txt"},
		{"dirlink", "dirlink drwxr-xr-x 4096", "dirlink Lrwxrwxrwx 3", "dir"},
		{"dirlink/sub/link-up", "link-up -rw-r--r-- 2", "link-up Lrwxrwxrwx 8", "../a.txt"},
		{"linklink", "linklink -rw-r--r-- 2", "linklink Lrwxrwxrwx 19", "dirlink/sub/link-up"},
		{".", ". drwxr-xr-x 4096", ". drwxr-xr-x 4096", ""},
		{"emptydir", "emptydir drwx------ 4096", "emptydir drwx------ 4096", ""},
		{"exec.sh", "exec.sh -rwxr-xr-x 10", "exec.sh -rwxr-xr-x 10", ""},
	} {
		fi, err := c.Stat(tc.name)
		if got := infoString(fi, err); got != tc.stat {
			t.Errorf("Stat(%s) = %s, want %s", tc.name, got, tc.stat)
		}
		fi, err = c.Lstat(tc.name)
		if got := infoString(fi, err); got != tc.lstat {
			t.Errorf("Lstat(%s) = %s, want %s", tc.name, got, tc.lstat)
		}
		link, err := c.ReadLink(tc.name)
		if tc.link == "" {
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("ReadLink(%s) = %q, %v, want EINVAL", tc.name, link, err)
			}
		} else if link != tc.link || err != nil {
			t.Errorf("ReadLink(%s) = %q, %v, want %q, nil", tc.name, link, err, tc.link)
		}
	}
	fi, err := c.Stat("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1600000000, 42); !fi.ModTime().Equal(want) {
		t.Errorf("Stat(hello.txt).ModTime() = %v, want %v", fi.ModTime(), want)
	}
	a, ok := fi.Sys().(*Attr)
	if !ok || a.UID != 1000 || a.Nlink != 1 || a.Qid.Path != s.nodes["hello.txt"].ino {
		t.Errorf("Stat(hello.txt).Sys() = %+v, want *Attr with UID 1000, Nlink 1, Qid.Path %d", fi.Sys(), s.nodes["hello.txt"].ino)
	}
	// Stat of an open file, and of an open directory.
	for _, name := range []string{"hello.txt", "dir"} {
		f, err := c.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := f.Stat()
		want, _ := c.Stat(name)
		if infoString(fi, err) != infoString(want, nil) {
			t.Errorf("Open(%s).Stat() = %s, want %s", name, infoString(fi, err), infoString(want, nil))
		}
		f.Close()
	}
}

func infoString(fi fs.FileInfo, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%s %v %d", fi.Name(), fi.Mode(), fi.Size())
}

func TestSymlinks(t *testing.T) {
	good, bad := goodTree(), badTree()
	for _, whole := range []bool{false, true} {
		t.Run(fmt.Sprintf("wholeWalkErrors=%v", whole), func(t *testing.T) {
			s := newServer(t, good)
			s.wholeWalkErrors = whole
			c := dial(t, s, 1024)
			for name, want := range map[string]string{
				"link":                 "hello, world\n",
				"dirlink/a.txt":        "a\n",
				"dirlink/sub/deep.txt": "deep\n",
				"dir/sub/link-up":      "a\n",
				"dir/sub/link-dot":     "deep\n",
				"dirlink/sub/link-up":  "a\n",
				"linklink":             "a\n",
			} {
				got, err := c.ReadFile(name)
				if string(got) != want || err != nil {
					t.Errorf("ReadFile(%s) = %q, %v, want %q, nil", name, got, err, want)
				}
			}
			ents, err := c.ReadDir("dirlink/sub")
			var names []string
			for _, e := range ents {
				names = append(names, e.Name()+" "+e.Type().String())
			}
			if want := []string{"deep.txt ----------", "link-dot L---------", "link-up L---------"}; !slices.Equal(names, want) || err != nil {
				t.Errorf("ReadDir(dirlink/sub) = %q, %v, want %q, nil", names, err, want)
			}

			s = newServer(t, bad)
			s.wholeWalkErrors = whole
			c = dial(t, s, 1024)
			for _, tc := range []struct {
				name string
				want error // nil: readable
			}{
				{"ok00", nil},
				{"sub/up", nil},
				{"filelink", nil},
				{"dotdot-inside", nil},
				{"no00", syscall.ELOOP},
				{"loop1", syscall.ELOOP},
				{"self", syscall.ELOOP},
				{"escape", ErrEscape},
				{"sub/escape", ErrEscape},
				{"abs", ErrEscape},
				{"sub/absdir", ErrEscape},
				{"sub/absdir/etc", ErrEscape},
				{"dangling", fs.ErrNotExist},
				{"emptylink", fs.ErrNotExist},
				{"filelink/x", syscall.ENOTDIR},
			} {
				got, err := c.ReadFile(tc.name)
				if tc.want == nil {
					if string(got) != "target\n" || err != nil {
						t.Errorf("ReadFile(%s) = %q, %v, want \"target\\n\", nil", tc.name, got, err)
					}
					continue
				}
				var pe *fs.PathError
				if !errors.Is(err, tc.want) || !errors.As(err, &pe) || pe.Path != tc.name {
					t.Errorf("ReadFile(%s) = %q, %v, want *PathError for %s wrapping %v", tc.name, got, err, tc.name, tc.want)
				}
				if _, err := c.Stat(tc.name); !errors.Is(err, tc.want) {
					t.Errorf("Stat(%s) = %v, want %v", tc.name, err, tc.want)
				}
			}
			// Lstat and ReadLink do not follow the final link.
			for _, name := range []string{"loop1", "escape", "abs", "dangling", "no00"} {
				if fi, err := c.Lstat(name); err != nil || fi.Mode().Type() != fs.ModeSymlink {
					t.Errorf("Lstat(%s) = %s, want a symlink", name, infoString(fi, err))
				}
				if got, err := c.ReadLink(name); err != nil || got != string(bad[name].Data) {
					t.Errorf("ReadLink(%s) = %q, %v, want %q, nil", name, got, err, bad[name].Data)
				}
			}
		})
	}
}

func TestNotExistAndInvalid(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	for _, name := range []string{"nope", "dir/nope", "dir/sub/nope/x", deepPath + "x", strings.Repeat("d/", 19) + "nope/bottom.txt"} {
		if _, err := c.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%s) = %v, want ErrNotExist", name, err)
		}
		if _, err := c.Stat(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s) = %v, want ErrNotExist", name, err)
		}
		if _, err := c.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Lstat(%s) = %v, want ErrNotExist", name, err)
		}
		if _, err := c.ReadLink(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadLink(%s) = %v, want ErrNotExist", name, err)
		}
		_, err := c.ReadFile(name)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "open" || pe.Path != name || pe.Err != syscall.ENOENT {
			t.Errorf("ReadFile(%s) = %#v, want &PathError{open, %s, ENOENT}", name, err, name)
		}
	}
	if _, err := c.ReadFile("hello.txt/x"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("ReadFile(hello.txt/x) = %v, want ENOTDIR", err)
	}
	for _, name := range []string{"", "/", "/hello.txt", "dir/", "./hello.txt", "dir/../hello.txt", "..", "a//b"} {
		if _, err := c.Open(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := c.Stat(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Stat(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := c.Lstat(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Lstat(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := c.ReadLink(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("ReadLink(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := c.ReadDir(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("ReadDir(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := c.ReadFile(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("ReadFile(%q) = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := c.ReadFile("dir"); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("ReadFile(dir) = %v, want EISDIR", err)
	}
	if _, err := c.ReadDir("hello.txt"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("ReadDir(hello.txt) = %v, want ENOTDIR", err)
	}
	f, err := c.Open("dir")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(make([]byte, 10)); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Open(dir).Read = %v, want EISDIR", err)
	}
	f.Close()
	// Long names: over msize, and over a string's 64 KiB.
	for _, name := range []string{strings.Repeat("x", 2000), strings.Repeat("y", 70000), "dir/" + strings.Repeat("z", 1010)} {
		if _, err := c.Open(name); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("Open(%d-byte name) = %v, want ENAMETOOLONG", len(name), err)
		}
	}
}

func TestDeepPathSplitsWalks(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 8192)
	before := s.calls[sTwalk]
	got, err := c.ReadFile(deepPath)
	if string(got) != "bottom\n" || err != nil {
		t.Errorf("ReadFile(%s) = %q, %v, want \"bottom\\n\", nil", deepPath, got, err)
	}
	if n := s.calls[sTwalk] - before; n != 2 {
		t.Errorf("ReadFile(21 names) Twalks = %d, want 2", n)
	}
	// A name that does not fit beside the others moves to the next Twalk.
	s = newServer(t, fstest.MapFS{
		strings.Repeat("a", 200) + "/" + strings.Repeat("b", 200) + "/" + strings.Repeat("c", 200) + "/f": {Data: []byte("f")},
	})
	c = dial(t, s, MinMsize)
	name := strings.Repeat("a", 200) + "/" + strings.Repeat("b", 200) + "/" + strings.Repeat("c", 200) + "/f"
	if got, err := c.ReadFile(name); string(got) != "f" || err != nil {
		t.Errorf("ReadFile(3 names of 200 bytes) = %q, %v, want \"f\", nil", got, err)
	}
}

func TestReadDirManyEntries(t *testing.T) {
	for _, tc := range []struct {
		msize      uint32
		readdirCap uint32
	}{{MinMsize, 0}, {8192, 0}, {8192, 100}} {
		s := newServer(t, goodTree())
		s.readdirCap = tc.readdirCap
		c := dial(t, s, tc.msize)
		want := s.nodes["many"].kids
		before := s.calls[sTreaddir]
		ents, err := c.ReadDir("many")
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		if !slices.Equal(got, want) || err != nil {
			t.Errorf("ReadDir(many) at msize %d = %d names, %v, want %d names, nil", tc.msize, len(got), err, len(want))
		}
		calls := s.calls[sTreaddir] - before
		if minCalls := 150*(13+8+1+2+33)/int(tc.msize) + 1; calls < minCalls || calls < 2 {
			t.Errorf("ReadDir(many) at msize %d: %d Treaddirs, want at least %d", tc.msize, calls, max(minCalls, 2))
		}

		// ReadDir(n) in batches across the Treaddir boundaries.
		f, err := c.Open("many")
		if err != nil {
			t.Fatal(err)
		}
		d := f.(fs.ReadDirFile)
		got = got[:0]
		for {
			batch, err := d.ReadDir(7)
			if err == io.EOF {
				if len(batch) != 0 {
					t.Errorf("ReadDir(7) at EOF = %d entries, want 0", len(batch))
				}
				break
			}
			if err != nil || len(batch) == 0 || len(batch) > 7 {
				t.Fatalf("ReadDir(7) = %d entries, %v, want 1..7 entries, nil", len(batch), err)
			}
			for _, e := range batch {
				got = append(got, e.Name())
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("ReadDir(7) batches = %q, want %q", got, want)
		}
		if rest, err := d.ReadDir(-1); len(rest) != 0 || err != nil {
			t.Errorf("ReadDir(-1) at EOF = %d, %v, want 0, nil", len(rest), err)
		}
		f.Close()
		if _, err := d.ReadDir(1); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("ReadDir after Close = %v, want ErrClosed", err)
		}
	}
	// Entry Info is a lazy Lstat.
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	ents, err := c.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		info, err := e.Info()
		want, _ := c.Lstat(e.Name())
		if infoString(info, err) != infoString(want, nil) || info.Mode().Type() != e.Type() {
			t.Errorf("ReadDir(.)[%s].Info() = %s, want %s", e.Name(), infoString(info, err), infoString(want, nil))
		}
	}
	if ents, err := c.ReadDir("emptydir"); len(ents) != 0 || err != nil {
		t.Errorf("ReadDir(emptydir) = %v, %v, want [], nil", ents, err)
	}
}

func TestFidReuse(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	for range 50 {
		f, err := c.Open("dir/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		c.Stat("link")
		c.ReadFile("nope")
	}
	if s.maxFid > 3 {
		t.Errorf("highest fid after 50 open/close rounds = %d, want at most 3", s.maxFid)
	}
	// Open files hold fids; closing them gives them back.
	var files []fs.File
	for range 10 {
		f, err := c.Open("hello.txt")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if n := s.liveFids(); n != 11 {
		t.Errorf("server fids with 10 files open = %d, want 11", n)
	}
	for _, f := range files {
		f.Close()
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 20 {
				name := []string{"big.bin", "link", "dirlink/sub/deep.txt", "many"}[i]
				if name == "many" {
					if ents, err := c.ReadDir(name); len(ents) != 150 || err != nil {
						t.Errorf("ReadDir(many) = %d, %v, want 150, nil", len(ents), err)
					}
					continue
				}
				if _, err := c.ReadFile(name); err != nil {
					t.Errorf("ReadFile(%s) = %v, want nil", name, err)
				}
			}
		})
	}
	wg.Wait()
}

// failingTransport fails every RPC after the first ok ones.
type failingTransport struct {
	inner Transport
	ok    int
}

var errLink = errors.New("link down")

func (f *failingTransport) RPC(req, reply []byte) (int, error) {
	if f.ok == 0 {
		return 0, errLink
	}
	f.ok--
	return f.inner.RPC(req, reply)
}

func TestTransportErrorAndClose(t *testing.T) {
	s := newServer(t, goodTree())
	ft := &failingTransport{inner: s, ok: 2}
	c, err := Dial(ft, 1024, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadFile("hello.txt"); !errors.Is(err, errLink) {
		t.Errorf("ReadFile over a failed link = %v, want errLink", err)
	}
	ft.ok = 2 // walk, lopen, then the clunk of Close fails
	f, err := c.Open("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, errLink) {
		t.Errorf("Close over a failed link = %v, want errLink", err)
	}
	if st := c.Stats(); st.LeakedFids != 1 || st.Fids != 1 {
		t.Errorf("Stats() = %+v, want Fids 1, LeakedFids 1", st)
	}
	ft.ok = 1 << 30
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	if err := c.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Close() = %v, want ErrClosed", err)
	}
	if _, err := c.Open("hello.txt"); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Open after Close = %v, want ErrClosed", err)
	}
}

func TestStats(t *testing.T) {
	s := newServer(t, goodTree())
	c := dial(t, s, 1024)
	before := c.Stats()
	c.ReadFile("hello.txt") // Twalk Tlopen Tread Tread Tclunk
	c.Stat("nope")          // Twalk -> Rlerror
	st := c.Stats()
	if st.RPCs-before.RPCs != 6 || st.Errors-before.Errors != 1 {
		t.Errorf("Stats() delta = %d RPCs, %d errors, want 6, 1", st.RPCs-before.RPCs, st.Errors-before.Errors)
	}
	total := 0
	for _, n := range s.calls {
		total += n
	}
	if uint64(total) != st.RPCs {
		t.Errorf("Stats().RPCs = %d, server saw %d", st.RPCs, total)
	}
}

func TestModeConversion(t *testing.T) {
	for _, tc := range []struct {
		mode uint32
		want fs.FileMode
	}{
		{0o100644, 0o644},
		{0o040755, fs.ModeDir | 0o755},
		{0o120777, fs.ModeSymlink | 0o777},
		{0o010600, fs.ModeNamedPipe | 0o600},
		{0o020620, fs.ModeDevice | fs.ModeCharDevice | 0o620},
		{0o060660, fs.ModeDevice | 0o660},
		{0o140755, fs.ModeSocket | 0o755},
		{0o104755, fs.ModeSetuid | 0o755},
		{0o102755, fs.ModeSetgid | 0o755},
		{0o041777, fs.ModeDir | fs.ModeSticky | 0o777},
		{0o170644, fs.ModeIrregular | 0o644},
	} {
		if got := fileMode(tc.mode, true, Qid{}); got != tc.want {
			t.Errorf("fileMode(%#o) = %v, want %v", tc.mode, got, tc.want)
		}
	}
	if got := fileMode(0, false, Qid{Type: QidTypeDir}); got != fs.ModeDir {
		t.Errorf("fileMode(invalid, dir qid) = %v, want %v", got, fs.ModeDir)
	}
	for _, tc := range []struct {
		typ  uint8
		qid  uint8
		want fs.FileMode
	}{
		{4, 0, fs.ModeDir}, {10, 0, fs.ModeSymlink}, {8, 0, 0}, {1, 0, fs.ModeNamedPipe},
		{2, 0, fs.ModeDevice | fs.ModeCharDevice}, {6, 0, fs.ModeDevice}, {12, 0, fs.ModeSocket},
		{0, QidTypeDir, fs.ModeDir}, {0, QidTypeSymlink, fs.ModeSymlink}, {0, 0, 0}, {99, QidTypeDir, fs.ModeDir},
	} {
		if got := direntType(tc.typ, Qid{Type: tc.qid}); got != tc.want {
			t.Errorf("direntType(%d, qid type %#x) = %v, want %v", tc.typ, tc.qid, got, tc.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		target string
		rest   string
		want   string // "error" for an escape
	}{
		{"", "a", "", "a"},
		{"x/y", "../z", "w", "x/z/w"},
		{"x/y", "../../z", "", "z"},
		{"x/y", "../../../z", "", "error"},
		{"x", "./", "q", "x/q"},
		{"", ".", "q", "q"},
		{"", "..", "", "error"},
		{"x", "/abs", "", "error"},
	} {
		got, err := substitute(split0(tc.dir), tc.target, split0(tc.rest))
		s := strings.Join(got, "/")
		if err != nil {
			s = "error"
		}
		if s != tc.want {
			t.Errorf("substitute(%q, %q, %q) = %q, want %q", tc.dir, tc.target, tc.rest, s, tc.want)
		}
	}
}

func split0(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "/")
}
