package vfs

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"unigo/kernel/abi/linux"
)

func TestStatFields(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "0123456789")
	writeFile(t, fs, "/tmp/big", string(make([]byte, 4097)))
	mustMkdir(t, fs, "/tmp/d")
	mustSymlink(t, fs, "/tmp/f", "/tmp/l")
	tests := []struct {
		path     string
		flags    int
		mode     uint32
		size     int64
		minNlink uint64
	}{
		{"/", 0, linux.S_IFDIR | 0o755, 4096, 2},
		{"/etc", 0, linux.S_IFDIR | 0o750, 4096, 2},
		{"/etc/passwd", 0, linux.S_IFREG | 0o644, 30, 1},
		{"/etc/empty", 0, linux.S_IFREG | 0o644, 0, 1},
		{"/data/big", 0, linux.S_IFREG | 0o644, int64(len(bigContent)), 1},
		{"/lib", linux.AT_SYMLINK_NOFOLLOW, linux.S_IFLNK | 0o777, 7, 1},
		{"/lib", 0, linux.S_IFDIR | 0o700, 4096, 2},
		{"/tmp", 0, linux.S_IFDIR | 0o1777, 4096, 2},
		{"/tmp/f", 0, linux.S_IFREG | 0o644, 10, 1},
		{"/tmp/big", 0, linux.S_IFREG | 0o644, 4097, 1},
		{"/tmp/d", 0, linux.S_IFDIR | 0o755, 4096, 2},
		{"/tmp/l", linux.AT_SYMLINK_NOFOLLOW, linux.S_IFLNK | 0o777, 6, 1},
		{"/tmp/l", 0, linux.S_IFREG | 0o644, 10, 1},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xA5}, linux.SizeofStat)
		if e := fs.Stat(linux.AT_FDCWD, tt.path, tt.flags, b); e != OK {
			t.Errorf("Stat(%q, %#x) = %v, want OK", tt.path, tt.flags, e)
			continue
		}
		st := decodeStat(b)
		if st.mode != tt.mode {
			t.Errorf("Stat(%q, %#x).mode = %#o, want %#o", tt.path, tt.flags, st.mode, tt.mode)
		}
		if st.size != tt.size {
			t.Errorf("Stat(%q, %#x).size = %d, want %d", tt.path, tt.flags, st.size, tt.size)
		}
		if st.nlink < tt.minNlink {
			t.Errorf("Stat(%q, %#x).nlink = %d, want >= %d", tt.path, tt.flags, st.nlink, tt.minNlink)
		}
		if st.blksize != 4096 {
			t.Errorf("Stat(%q, %#x).blksize = %d, want 4096", tt.path, tt.flags, st.blksize)
		}
		if want := (tt.size + 511) / 512; st.blocks != want {
			t.Errorf("Stat(%q, %#x).blocks = %d, want %d", tt.path, tt.flags, st.blocks, want)
		}
		if st.ino == 0 || st.dev == 0 {
			t.Errorf("Stat(%q, %#x) = ino %d dev %d, want both nonzero", tt.path, tt.flags, st.ino, st.dev)
		}
		if st.uid != 0 || st.gid != 0 || st.rdev != 0 {
			t.Errorf("Stat(%q, %#x) = uid %d gid %d rdev %d, want 0 0 0", tt.path, tt.flags, st.uid, st.gid, st.rdev)
		}
		if !st.atime.Equal(st.mtime) || !st.ctime.Equal(st.mtime) {
			t.Errorf("Stat(%q, %#x) = atime %v mtime %v ctime %v, want all equal", tt.path, tt.flags, st.atime, st.mtime, st.ctime)
		}
		// Padding (36..40) and the reserved tail (120..144) are zero.
		for _, r := range [][2]int{{36, 40}, {120, 144}} {
			if !bytes.Equal(b[r[0]:r[1]], make([]byte, r[1]-r[0])) {
				t.Errorf("Stat(%q, %#x) bytes [%d:%d] = %x, want zeros", tt.path, tt.flags, r[0], r[1], b[r[0]:r[1]])
			}
		}
		// Fstat of the opened file says the same.
		if tt.flags&linux.AT_SYMLINK_NOFOLLOW == 0 {
			h := mustOpen(t, fs, tt.path, linux.O_RDONLY)
			fb := make([]byte, linux.SizeofStat)
			if e := fs.Fstat(h, fb); e != OK || !bytes.Equal(fb, b) {
				t.Errorf("Fstat(Open(%q)) = %v, %+v, want OK, %+v", tt.path, e, decodeStat(fb), st)
			}
			fs.Close(h)
		}
	}
}

// Stat writes exactly StatLen bytes.
func TestStatBufferLen(t *testing.T) {
	fs := New()
	b := bytes.Repeat([]byte{0xA5}, linux.SizeofStat+16)
	if e := fs.Stat(linux.AT_FDCWD, "/tmp", 0, b); e != OK {
		t.Fatalf("Stat(/tmp) = %v, want OK", e)
	}
	if got := b[linux.SizeofStat:]; !bytes.Equal(got, bytes.Repeat([]byte{0xA5}, 16)) {
		t.Errorf("Stat wrote past StatLen: b[%d:] = %x, want a5...", linux.SizeofStat, got)
	}
	if linux.SizeofStat != 144 {
		t.Errorf("StatLen = %d, want 144", linux.SizeofStat)
	}
}

// Every node has its own inode number, which Getdents reports too.
func TestStatInodes(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "x")
	mustMkdir(t, fs, "/tmp/d")
	mustSymlink(t, fs, "f", "/tmp/l")
	seen := map[uint64]string{}
	var rec func(dir string)
	rec = func(dir string) {
		ds := readDir(t, fs, dir)
		self := mustStat(t, fs, dir, 0)
		if ds[0].name != "." || ds[0].ino != self.ino {
			t.Errorf("readDir(%q)[0] = %q ino %d, want \".\" ino %d", dir, ds[0].name, ds[0].ino, self.ino)
		}
		parent := mustStat(t, fs, dir+"/..", 0)
		if ds[1].name != ".." || ds[1].ino != parent.ino {
			t.Errorf("readDir(%q)[1] = %q ino %d, want \"..\" ino %d", dir, ds[1].name, ds[1].ino, parent.ino)
		}
		for _, d := range ds[2:] {
			p := dir + "/" + d.name
			if dir == "/" {
				p = "/" + d.name
			}
			st := mustStat(t, fs, p, linux.AT_SYMLINK_NOFOLLOW)
			if st.ino != d.ino {
				t.Errorf("Stat(%q).ino = %d, want d_ino %d", p, st.ino, d.ino)
			}
			if other, ok := seen[st.ino]; ok {
				t.Errorf("Stat(%q).ino = %d, same as %q", p, st.ino, other)
			}
			seen[st.ino] = p
			if st.mode&linux.S_IFMT == linux.S_IFDIR {
				rec(p)
			}
		}
	}
	rec("/")
	if len(seen) < 20 {
		t.Errorf("walked %d nodes, want >= 20", len(seen))
	}
	if root := mustStat(t, fs, "/", 0).ino; seen[root] != "" {
		t.Errorf("root inode %d also names %q", root, seen[root])
	}
}

// mtime comes from the archive for the root and from the clock for the
// tmpfs, updated by writes and truncation on open.
func TestStatMtime(t *testing.T) {
	fs := New()
	t0 := time.Unix(1000, 111)
	now := t0
	fs.now = func() time.Time { return now }
	h := mustOpen(t, fs, "/tmp/f", linux.O_CREAT|linux.O_RDWR)
	mtime := func() time.Time { return mustStat(t, fs, "/tmp/f", 0).mtime }
	if got := mtime(); !got.Equal(t0) {
		t.Errorf("mtime after create = %v, want %v", got, t0)
	}
	steps := []struct {
		name   string
		op     func()
		change bool
	}{
		{"write", func() { fs.Write(h, []byte("x"), -1) }, true},
		{"pwrite", func() { fs.Write(h, []byte("x"), 10) }, true},
		{"read", func() { fs.Read(h, make([]byte, 1), 0) }, false},
		{"stat", func() { mustStat(t, fs, "/tmp/f", 0) }, false},
		{"open O_TRUNC", func() { fs.Close(mustOpen(t, fs, "/tmp/f", linux.O_WRONLY|linux.O_TRUNC)) }, true},
		{"open O_RDWR", func() { fs.Close(mustOpen(t, fs, "/tmp/f", linux.O_RDWR)) }, false},
	}
	want := t0
	for i, s := range steps {
		now = time.Unix(int64(2000+i), int64(i*1000+7))
		s.op()
		if s.change {
			want = now
		}
		if got := mtime(); !got.Equal(want) {
			t.Errorf("mtime after %s = %v, want %v", s.name, got, want)
		}
	}
}

// AT_EMPTY_PATH stats the directory handle itself (or the cwd).
func TestStatEmptyPath(t *testing.T) {
	fs := newStdFS(t)
	h := mustOpen(t, fs, "/usr/share", linux.O_RDONLY|linux.O_DIRECTORY)
	want := mustStat(t, fs, "/usr/share", 0)
	if got, e := statPath(fs, h, "", linux.AT_EMPTY_PATH); e != OK || got != want {
		t.Errorf("Stat(/usr/share handle, \"\", AT_EMPTY_PATH) = %+v, %v, want %+v, OK", got, e, want)
	}
	if _, e := statPath(fs, h, "", 0); e != linux.ENOENT {
		t.Errorf("Stat(handle, \"\", 0) = %v, want ENOENT", e)
	}
	if e := fs.Chdir("/etc"); e != OK {
		t.Fatalf("Chdir(/etc) = %v, want OK", e)
	}
	want = mustStat(t, fs, "/etc", 0)
	if got, e := statPath(fs, linux.AT_FDCWD, "", linux.AT_EMPTY_PATH); e != OK || got != want {
		t.Errorf("Stat(AT_FDCWD, \"\", AT_EMPTY_PATH) = %+v, %v, want %+v (cwd), OK", got, e, want)
	}
	// A non-empty path ignores AT_EMPTY_PATH.
	want = mustStat(t, fs, "/usr/share/doc", 0)
	if got, e := statPath(fs, h, "doc", linux.AT_EMPTY_PATH); e != OK || got != want {
		t.Errorf("Stat(handle, doc, AT_EMPTY_PATH) = %+v, %v, want %+v, OK", got, e, want)
	}
	if _, e := statPath(fs, 999, "", linux.AT_EMPTY_PATH); e != linux.EBADF {
		t.Errorf("Stat(bad handle, \"\", AT_EMPTY_PATH) = %v, want EBADF", e)
	}
}

func TestGetdents(t *testing.T) {
	fs := newStdFS(t)
	mustMkdir(t, fs, "/tmp/d")
	for _, n := range []string{"zeta", "alpha", "Beta", "a-very-long-name-of-forty-bytes-xxxxxxxx", "m", "_"} {
		writeFile(t, fs, "/tmp/d/"+n, n)
	}
	mustMkdir(t, fs, "/tmp/d/sub")
	mustSymlink(t, fs, "alpha", "/tmp/d/link")
	mustMkdir(t, fs, "/tmp/empty")
	tests := []struct {
		dir   string
		names []string
		types []uint8
	}{
		{"/", []string{".", "..", "bin", "data", "etc", "lib", "tmp", "usr"}, []uint8{4, 4, 4, 4, 4, 10, 4, 4}},
		{"/etc", []string{".", "..", "dangling", "empty", "hostname", "motd", "passwd", "rel", "shadow"}, []uint8{4, 4, 10, 8, 8, 10, 8, 10, 8}},
		{"/tmp/empty", []string{".", ".."}, []uint8{4, 4}},
		{"/lib", []string{".", "..", "libc.so"}, []uint8{4, 4, 8}}, // through a symlink
		{"/tmp/d", []string{".", "..", "Beta", "_", "a-very-long-name-of-forty-bytes-xxxxxxxx", "alpha", "link", "m", "sub", "zeta"},
			[]uint8{4, 4, 8, 8, 8, 8, 10, 8, 4, 8}},
	}
	for _, tt := range tests {
		ds := readDir(t, fs, tt.dir)
		if got := names(ds); !slices.Equal(got, tt.names) {
			t.Errorf("readDir(%q) = %q, want %q", tt.dir, got, tt.names)
			continue
		}
		for i, d := range ds {
			if d.typ != tt.types[i] {
				t.Errorf("readDir(%q)[%q].d_type = %d, want %d", tt.dir, d.name, d.typ, tt.types[i])
			}
			if i > 0 && d.off <= ds[i-1].off {
				t.Errorf("readDir(%q)[%q].d_off = %d, want > %d (previous)", tt.dir, d.name, d.off, ds[i-1].off)
			}
		}
	}
}

// Small buffers split the listing across calls without losing or repeating
// entries; a buffer too small for the next record is EINVAL and loses nothing.
func TestGetdentsBuffers(t *testing.T) {
	fs := New()
	mustMkdir(t, fs, "/tmp/d")
	var want []string
	want = append(want, ".", "..")
	for i := range 30 {
		n := string(rune('a'+i%26)) + itoa(i)
		for range i % 7 {
			n += "_"
		}
		writeFile(t, fs, "/tmp/d/"+n, "")
		want = append(want, n)
	}
	slices.Sort(want[2:])
	all := names(readDir(t, fs, "/tmp/d"))
	if !slices.Equal(all, want) {
		t.Fatalf("readDir(/tmp/d) = %q, want %q", all, want)
	}
	// The longest record: 19 + 9 + 1 rounded up to 32.
	for _, size := range []int{32, 33, 40, 48, 63, 64, 65, 100, 128, 1000, 4096} {
		h := mustOpen(t, fs, "/tmp/d", linux.O_RDONLY|linux.O_DIRECTORY)
		ds := readDirHandle(t, fs, h, size)
		if got := names(ds); !slices.Equal(got, want) {
			t.Errorf("readDir(/tmp/d, %d-byte buffer) = %q, want %q", size, got, want)
		}
		// And again from the start after Seek(0).
		if off, e := fs.Seek(h, 0, linux.SEEK_SET); off != 0 || e != OK {
			t.Errorf("Seek(dir, 0, SeekSet) = %d, %v, want 0, OK", off, e)
		}
		if got := names(readDirHandle(t, fs, h, size)); !slices.Equal(got, want) {
			t.Errorf("readDir(/tmp/d, %d-byte buffer) after Seek(0) = %q, want %q", size, got, want)
		}
		fs.Close(h)
	}

	reclen := func(name string) int { return (19 + len(name) + 1 + 7) &^ 7 }
	h := mustOpen(t, fs, "/tmp/d", linux.O_RDONLY|linux.O_DIRECTORY)
	calls := []struct {
		size int
		e    linux.Errno
		want []string
	}{
		{23, linux.EINVAL, nil}, // "." needs 24
		{0, linux.EINVAL, nil},
		{24, OK, want[:1]},                                 // exactly one record
		{47, OK, want[1:2]},                                // room for one, not two
		{reclen(want[2]) - 1, linux.EINVAL, nil},           // the next one does not fit
		{reclen(want[2]) + reclen(want[3]), OK, want[2:4]}, // nothing was lost
		{1 << 16, OK, want[4:]},
		{1 << 16, OK, nil}, // the end
		{1, OK, nil},       // at the end a tiny buffer is fine
		{1 << 16, OK, nil},
	}
	for i, c := range calls {
		b := make([]byte, c.size)
		n, e := fs.Getdents(h, b)
		var got []string
		if e == OK {
			got = names(decodeDirents(t, b[:n]))
		}
		wantN := 0
		for _, name := range c.want {
			wantN += reclen(name)
		}
		if e != c.e || n != wantN || !slices.Equal(got, c.want) {
			t.Errorf("call %d: Getdents(%d bytes) = %d bytes %q, %v, want %d bytes %q, %v", i, c.size, n, got, e, wantN, c.want, c.e)
		}
	}
}
