package vfs

import (
	"math"
	"slices"
	"strings"
	"testing"

	"unigo/kernel/abi/linux"
)

func TestTmpfsCreate(t *testing.T) {
	tests := []struct {
		mode uint32
		want uint32
	}{
		{0o644, linux.S_IFREG | 0o644},
		{0o600, linux.S_IFREG | 0o600},
		{0o777, linux.S_IFREG | 0o777},
		{0o4755, linux.S_IFREG | 0o755},                // setuid dropped
		{linux.S_IFDIR | 0o700, linux.S_IFREG | 0o700}, // type bits ignored
	}
	for _, tt := range tests {
		fs := New()
		h, e := fs.Open(linux.AT_FDCWD, "/tmp/f", linux.O_CREAT|linux.O_RDWR, tt.mode)
		if e != OK {
			t.Fatalf("Open(/tmp/f, O_CREAT|O_RDWR, %#o) = %v, want OK", tt.mode, e)
		}
		if got := mustStat(t, fs, "/tmp/f", 0); got.mode != tt.want || got.size != 0 {
			t.Errorf("Stat after Open(O_CREAT, %#o) = mode %#o size %d, want mode %#o size 0", tt.mode, got.mode, got.size, tt.want)
		}
		if n, e := fs.Write(h, []byte("hello"), -1); n != 5 || e != OK {
			t.Errorf("Write(hello) = %d, %v, want 5, OK", n, e)
		}
		if off, e := fs.Seek(h, 0, linux.SEEK_SET); off != 0 || e != OK {
			t.Errorf("Seek(0, SeekSet) = %d, %v, want 0, OK", off, e)
		}
		if got := readAll(t, fs, h); got != "hello" {
			t.Errorf("read back = %q, want %q", got, "hello")
		}
		if got := mustStat(t, fs, "/tmp/f", 0).size; got != 5 {
			t.Errorf("Stat(/tmp/f).size = %d, want 5", got)
		}
	}
}

// Each case starts from /tmp/f holding "hello", runs ops on a handle opened
// with flags, and checks the file's content afterwards.
func TestTmpfsWrite(t *testing.T) {
	type fsh struct {
		fs *FS
		h  int
		t  *testing.T
	}
	write := func(s string, off int64) func(fsh) {
		return func(x fsh) {
			x.t.Helper()
			if n, e := x.fs.Write(x.h, []byte(s), off); n != len(s) || e != OK {
				x.t.Fatalf("Write(%q, off %d) = %d, %v, want %d, OK", s, off, n, e, len(s))
			}
		}
	}
	seek := func(off int64, whence int) func(fsh) {
		return func(x fsh) {
			x.t.Helper()
			if _, e := x.fs.Seek(x.h, off, whence); e != OK {
				x.t.Fatalf("Seek(%d, %d) = %v, want OK", off, whence, e)
			}
		}
	}
	truncate := func(size int64) func(fsh) {
		return func(x fsh) {
			x.t.Helper()
			if e := x.fs.Truncate(x.h, size); e != OK {
				x.t.Fatalf("Truncate(%d) = %v, want OK", size, e)
			}
		}
	}
	big := strings.Repeat("x", 5000)
	tests := []struct {
		name  string
		flags int
		ops   []func(fsh)
		want  string
	}{
		{"no ops", linux.O_RDWR, nil, "hello"},
		{"overwrite start", linux.O_WRONLY, []func(fsh){write("J", -1)}, "Jello"},
		{"write moves offset", linux.O_WRONLY, []func(fsh){write("a", -1), write("b", -1)}, "abllo"},
		{"extend", linux.O_RDWR, []func(fsh){write("hello world", -1)}, "hello world"},
		{"O_TRUNC", linux.O_WRONLY | linux.O_TRUNC, nil, ""},
		{"O_TRUNC then write", linux.O_RDWR | linux.O_TRUNC, []func(fsh){write("ab", -1)}, "ab"},
		{"O_APPEND", linux.O_WRONLY | linux.O_APPEND, []func(fsh){write(" world", -1)}, "hello world"},
		{"O_APPEND ignores seek", linux.O_WRONLY | linux.O_APPEND, []func(fsh){seek(0, linux.SEEK_SET), write("!", -1), write("?", -1)}, "hello!?"},
		{"O_APPEND|O_TRUNC", linux.O_WRONLY | linux.O_APPEND | linux.O_TRUNC, []func(fsh){write("a", -1), write("b", -1)}, "ab"},
		{"pwrite middle", linux.O_WRONLY, []func(fsh){write("EL", 1)}, "hELlo"},
		{"pwrite keeps offset", linux.O_WRONLY, []func(fsh){write("XY", 3), write("ab", -1)}, "ablXY"},
		{"pwrite at EOF", linux.O_WRONLY, []func(fsh){write("!", 5)}, "hello!"},
		{"pwrite beyond EOF zero-fills", linux.O_WRONLY, []func(fsh){write("z", 8)}, "hello\x00\x00\x00z"},
		{"pwrite far beyond EOF", linux.O_WRONLY, []func(fsh){write("z", 5000)}, "hello" + strings.Repeat("\x00", 4995) + "z"},
		{"seek beyond EOF then write", linux.O_WRONLY, []func(fsh){seek(2, linux.SEEK_END), write("z", -1)}, "hello\x00\x00z"},
		{"seek beyond EOF alone", linux.O_WRONLY, []func(fsh){seek(100, linux.SEEK_SET)}, "hello"},
		{"truncate shrink", linux.O_RDWR, []func(fsh){truncate(2)}, "he"},
		{"truncate grow", linux.O_RDWR, []func(fsh){truncate(8)}, "hello\x00\x00\x00"},
		{"truncate same", linux.O_RDWR, []func(fsh){truncate(5)}, "hello"},
		{"truncate zero", linux.O_RDWR, []func(fsh){truncate(0)}, ""},
		{"truncate shrink then grow zero-fills", linux.O_RDWR, []func(fsh){truncate(1), truncate(4)}, "h\x00\x00\x00"},
		{"truncate keeps offset", linux.O_RDWR, []func(fsh){seek(4, linux.SEEK_SET), truncate(1), write("z", -1)}, "h\x00\x00\x00z"},
		// Stale bytes must not come back when a shrunk file grows again.
		{"truncate shrink then pwrite gap", linux.O_RDWR, []func(fsh){truncate(0), write("z", 3)}, "\x00\x00\x00z"},
		{"O_TRUNC then pwrite gap", linux.O_RDWR | linux.O_TRUNC, []func(fsh){write("z", 4)}, "\x00\x00\x00\x00z"},
		{"large write then shrink then grow", linux.O_RDWR, []func(fsh){write(big, -1), truncate(3), write("z", 6)}, "xxx\x00\x00\x00z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New()
			writeFile(t, fs, "/tmp/f", "hello")
			h := mustOpen(t, fs, "/tmp/f", tt.flags)
			for _, op := range tt.ops {
				op(fsh{fs, h, t})
			}
			if got := content(t, fs, "/tmp/f"); got != tt.want {
				t.Errorf("content = %q, want %q", trunc(got), trunc(tt.want))
			}
			if got := mustStat(t, fs, "/tmp/f", 0).size; got != int64(len(tt.want)) {
				t.Errorf("Stat size = %d, want %d", got, len(tt.want))
			}
			if e := fs.Close(h); e != OK {
				t.Errorf("Close = %v, want OK", e)
			}
		})
	}
}

// Writes that would pass the 1 GiB file size limit fail with ENOSPC and
// change nothing, however large the offset.
func TestTmpfsWriteLimit(t *testing.T) {
	tests := []struct {
		name string
		seek int64 // handle offset before the write, -1 for none
		off  int64 // Write's off argument
	}{
		{"pwrite at limit", -1, maxFileSize},
		{"pwrite crossing limit", -1, maxFileSize - 1},
		{"pwrite at 1<<40", -1, 1 << 40},
		{"pwrite at MaxInt64", -1, math.MaxInt64},
		{"pwrite at MaxInt64-1", -1, math.MaxInt64 - 1},
		{"write at offset MaxInt64", math.MaxInt64, -1},
		{"write at offset limit", maxFileSize, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New()
			writeFile(t, fs, "/tmp/f", "hello")
			h := mustOpen(t, fs, "/tmp/f", linux.O_RDWR)
			if tt.seek >= 0 {
				if off, e := fs.Seek(h, tt.seek, linux.SEEK_SET); off != tt.seek || e != OK {
					t.Fatalf("Seek(%d) = %d, %v, want %d, OK", tt.seek, off, e, tt.seek)
				}
			}
			if n, e := fs.Write(h, []byte("ab"), tt.off); n != 0 || e != linux.ENOSPC {
				t.Errorf("Write(2 bytes, off %d) = %d, %v, want 0, ENOSPC", tt.off, n, e)
			}
			if got := content(t, fs, "/tmp/f"); got != "hello" {
				t.Errorf("content = %q, want %q", got, "hello")
			}
		})
	}
	fs := New()
	h := mustOpen(t, fs, "/tmp/f", linux.O_CREAT|linux.O_RDWR)
	for _, size := range []int64{-1, maxFileSize + 1, math.MaxInt64} {
		if e := fs.Truncate(h, size); e != linux.EINVAL {
			t.Errorf("Truncate(%d) = %v, want EINVAL", size, e)
		}
	}
}

func TestTmpfsExcl(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "keep")
	mustMkdir(t, fs, "/tmp/d")
	mustSymlink(t, fs, "/tmp/f", "/tmp/l")
	tests := []struct {
		path  string
		flags int
		want  linux.Errno
	}{
		{"/tmp/f", linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY, linux.EEXIST},
		{"/tmp/f", linux.O_CREAT | linux.O_EXCL | linux.O_TRUNC | linux.O_WRONLY, linux.EEXIST},
		{"/tmp/d", linux.O_CREAT | linux.O_EXCL | linux.O_RDONLY, linux.EEXIST},
		{"/tmp/l", linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY, linux.EEXIST},
		{"/tmp/new", linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY, OK},
		{"/tmp/new", linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY, linux.EEXIST},
		{"/tmp/d/new", linux.O_CREAT | linux.O_EXCL | linux.O_RDWR, OK},
		{"/tmp/f", linux.O_EXCL | linux.O_WRONLY, OK}, // O_EXCL alone means nothing
	}
	for _, tt := range tests {
		h, e := fs.Open(linux.AT_FDCWD, tt.path, tt.flags, 0o644)
		if e != tt.want {
			t.Errorf("Open(%q, %#o) = %v, want %v", tt.path, tt.flags, e, tt.want)
		}
		if e == OK {
			fs.Close(h)
		}
	}
	if got := content(t, fs, "/tmp/f"); got != "keep" {
		t.Errorf("content(/tmp/f) = %q, want %q", got, "keep")
	}
}

func TestTmpfsPread(t *testing.T) {
	fs := New()
	writeFile(t, fs, "/tmp/f", "hello world")
	h := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
	tests := []struct {
		off  int64
		n    int
		want string
	}{
		{0, 5, "hello"},
		{6, 5, "world"},
		{6, 100, "world"},
		{10, 1, "d"},
		{11, 1, ""},
		{100, 4, ""},
		{math.MaxInt64, 4, ""},
		{3, 0, ""},
	}
	for _, tt := range tests {
		b := make([]byte, tt.n)
		n, e := fs.Read(h, b, tt.off)
		if e != OK || string(b[:n]) != tt.want {
			t.Errorf("pread(off %d, %d bytes) = %q, %v, want %q, OK", tt.off, tt.n, b[:n], e, tt.want)
		}
	}
	// pread does not move the offset read uses.
	if got := readAll(t, fs, h); got != "hello world" {
		t.Errorf("read after preads = %q, want %q", got, "hello world")
	}
	if n, e := fs.Read(h, make([]byte, 4), -1); n != 0 || e != OK {
		t.Errorf("read at EOF = %d, %v, want 0, OK", n, e)
	}
}

func TestTmpfsSeek(t *testing.T) {
	tests := []struct {
		off    int64
		whence int
		want   int64 // new offset
		e      linux.Errno
	}{
		{3, linux.SEEK_SET, 3, OK},
		{0, linux.SEEK_SET, 0, OK},
		{100, linux.SEEK_SET, 100, OK},
		{-1, linux.SEEK_SET, 4, linux.EINVAL},
		{2, linux.SEEK_CUR, 6, OK},
		{0, linux.SEEK_CUR, 4, OK},
		{-4, linux.SEEK_CUR, 0, OK},
		{-5, linux.SEEK_CUR, 4, linux.EINVAL},
		{0, linux.SEEK_END, 10, OK},
		{-10, linux.SEEK_END, 0, OK},
		{-11, linux.SEEK_END, 4, linux.EINVAL},
		{5, linux.SEEK_END, 15, OK},
		{0, 3, 4, linux.EINVAL},
		{0, -1, 4, linux.EINVAL},
		{math.MaxInt64, linux.SEEK_CUR, 4, linux.EINVAL},
		{math.MaxInt64, linux.SEEK_END, 4, linux.EINVAL},
		{math.MinInt64, linux.SEEK_CUR, 4, linux.EINVAL},
		{math.MaxInt64, linux.SEEK_SET, math.MaxInt64, OK},
	}
	for _, tt := range tests {
		fs := New()
		writeFile(t, fs, "/tmp/f", "0123456789")
		h := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
		if n, e := fs.Read(h, make([]byte, 4), -1); n != 4 || e != OK {
			t.Fatalf("Read(4) = %d, %v, want 4, OK", n, e)
		}
		off, e := fs.Seek(h, tt.off, tt.whence)
		if e != tt.e || (e == OK && off != tt.want) {
			t.Errorf("Seek(%d, %d) from 4 = %d, %v, want %d, %v", tt.off, tt.whence, off, e, tt.want, tt.e)
		}
		// The offset is where Seek says it is (unchanged on error).
		want := "0123456789"[min(tt.want, 10):]
		if got := readAll(t, fs, h); got != want {
			t.Errorf("after Seek(%d, %d) from 4: read = %q, want %q", tt.off, tt.whence, got, want)
		}
	}
}

func TestTmpfsUnlink(t *testing.T) {
	tests := []struct {
		path  string
		flags int
		want  linux.Errno
		gone  []string // paths that no longer exist afterwards
		stay  []string // paths that still exist afterwards
	}{
		{"/tmp/f", 0, OK, []string{"/tmp/f"}, []string{"/tmp/d"}},
		{"f", 0, OK, []string{"/tmp/f"}, nil}, // relative to cwd /tmp
		{"/tmp/d", 0, linux.EISDIR, nil, []string{"/tmp/d"}},
		{"/tmp/d", linux.AT_REMOVEDIR, OK, []string{"/tmp/d"}, []string{"/tmp"}},
		{"/tmp/d/", linux.AT_REMOVEDIR, OK, []string{"/tmp/d"}, nil},
		{"/tmp/full", linux.AT_REMOVEDIR, linux.ENOTEMPTY, nil, []string{"/tmp/full/g"}},
		{"/tmp/full", 0, linux.EISDIR, nil, []string{"/tmp/full/g"}},
		{"/tmp/full/g", 0, OK, []string{"/tmp/full/g"}, []string{"/tmp/full"}},
		{"/tmp/f", linux.AT_REMOVEDIR, linux.ENOTDIR, nil, []string{"/tmp/f"}},
		{"/tmp/missing", 0, linux.ENOENT, nil, nil},
		{"/tmp/missing/x", 0, linux.ENOENT, nil, nil},
		{"/tmp/f/x", 0, linux.ENOTDIR, nil, []string{"/tmp/f"}},
		{"/tmp/l", 0, OK, []string{"/tmp/l"}, []string{"/tmp/f"}},                          // the link, not its target
		{"/tmp/ld", linux.AT_REMOVEDIR, linux.ENOTDIR, nil, []string{"/tmp/ld", "/tmp/d"}}, // no following
		{"/tmp/d/.", linux.AT_REMOVEDIR, linux.EINVAL, nil, []string{"/tmp/d"}},
		{"/tmp/d/..", linux.AT_REMOVEDIR, linux.EINVAL, nil, []string{"/tmp/d"}},
		{"/tmp/.", linux.AT_REMOVEDIR, linux.EINVAL, nil, []string{"/tmp"}},
		{"/", linux.AT_REMOVEDIR, linux.EINVAL, nil, []string{"/tmp"}},
		{"", 0, linux.ENOENT, nil, nil},
	}
	for _, tt := range tests {
		fs := newStdFS(t)
		writeFile(t, fs, "/tmp/f", "x")
		mustMkdir(t, fs, "/tmp/d")
		mustMkdir(t, fs, "/tmp/full")
		writeFile(t, fs, "/tmp/full/g", "y")
		mustSymlink(t, fs, "/tmp/f", "/tmp/l")
		mustSymlink(t, fs, "/tmp/d", "/tmp/ld")
		if e := fs.Chdir("/tmp"); e != OK {
			t.Fatalf("Chdir(/tmp) = %v, want OK", e)
		}
		if got := fs.Unlink(linux.AT_FDCWD, tt.path, tt.flags); got != tt.want {
			t.Errorf("Unlink(%q, %#x) = %v, want %v", tt.path, tt.flags, got, tt.want)
		}
		for _, p := range tt.gone {
			if _, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW); e != linux.ENOENT {
				t.Errorf("after Unlink(%q, %#x): Stat(%q) = %v, want ENOENT", tt.path, tt.flags, p, e)
			}
		}
		for _, p := range tt.stay {
			if _, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW); e != OK {
				t.Errorf("after Unlink(%q, %#x): Stat(%q) = %v, want OK", tt.path, tt.flags, p, e)
			}
		}
	}
}

// An open file outlives its name, and a new file of that name is a new file.
func TestTmpfsUnlinkOpen(t *testing.T) {
	fs := New()
	writeFile(t, fs, "/tmp/f", "old")
	h := mustOpen(t, fs, "/tmp/f", linux.O_RDWR)
	if e := fs.Unlink(linux.AT_FDCWD, "/tmp/f", 0); e != OK {
		t.Fatalf("Unlink(/tmp/f) = %v, want OK", e)
	}
	writeFile(t, fs, "/tmp/f", "new")
	if n, e := fs.Write(h, []byte("OLD!"), 0); n != 4 || e != OK {
		t.Errorf("pwrite on unlinked file = %d, %v, want 4, OK", n, e)
	}
	if got := readAll(t, fs, h); got != "OLD!" {
		t.Errorf("read of unlinked file = %q, want %q", got, "OLD!")
	}
	if got := content(t, fs, "/tmp/f"); got != "new" {
		t.Errorf("content(/tmp/f) = %q, want %q", got, "new")
	}
	b := make([]byte, linux.SizeofStat)
	if e := fs.Fstat(h, b); e != OK || decodeStat(b).size != 4 {
		t.Errorf("Fstat(unlinked) = size %d, %v, want 4, OK", decodeStat(b).size, e)
	}
}

func TestTmpfsRename(t *testing.T) {
	type check struct {
		path, content string // content "" means: must not exist; "/" means: a directory
	}
	tests := []struct {
		name     string
		old, new string
		want     linux.Errno
		checks   []check
	}{
		{"file", "/tmp/f", "/tmp/g", OK, []check{{"/tmp/f", ""}, {"/tmp/g", "F"}}},
		{"file relative", "f", "g", OK, []check{{"/tmp/f", ""}, {"/tmp/g", "F"}}},
		{"file into dir", "/tmp/f", "/tmp/d/f", OK, []check{{"/tmp/f", ""}, {"/tmp/d/f", "F"}}},
		{"file into dir, renamed", "/tmp/f", "/tmp/d/x", OK, []check{{"/tmp/d/x", "F"}}},
		{"file over file", "/tmp/f", "/tmp/full/g", OK, []check{{"/tmp/f", ""}, {"/tmp/full/g", "F"}}},
		{"file over symlink", "/tmp/f", "/tmp/ld", OK, []check{{"/tmp/ld", "F"}, {"/tmp/d", "/"}}},
		{"file onto itself", "/tmp/f", "/tmp/f", OK, []check{{"/tmp/f", "F"}}},
		{"file onto itself via ..", "/tmp/f", "/tmp/d/../f", OK, []check{{"/tmp/f", "F"}}},
		{"file over dir", "/tmp/f", "/tmp/d", linux.EISDIR, []check{{"/tmp/f", "F"}, {"/tmp/d", "/"}}},
		{"file over non-empty dir", "/tmp/f", "/tmp/full", linux.EISDIR, []check{{"/tmp/f", "F"}}},
		{"file to missing dir", "/tmp/f", "/tmp/nodir/f", linux.ENOENT, []check{{"/tmp/f", "F"}}},
		{"file through file", "/tmp/f", "/tmp/full/g/x", linux.ENOTDIR, []check{{"/tmp/f", "F"}}},
		{"missing", "/tmp/missing", "/tmp/x", linux.ENOENT, []check{{"/tmp/x", ""}}},
		{"symlink, not target", "/tmp/ld", "/tmp/ld2", OK, []check{{"/tmp/ld", ""}, {"/tmp/ld2/.", "/"}, {"/tmp/d", "/"}}},
		{"dir", "/tmp/full", "/tmp/moved", OK, []check{{"/tmp/full", ""}, {"/tmp/moved/g", "G"}}},
		{"dir into dir", "/tmp/full", "/tmp/d/full", OK, []check{{"/tmp/full", ""}, {"/tmp/d/full/g", "G"}}},
		{"dir over empty dir", "/tmp/full", "/tmp/d", OK, []check{{"/tmp/full", ""}, {"/tmp/d/g", "G"}}},
		{"dir over non-empty dir", "/tmp/d", "/tmp/full", linux.ENOTEMPTY, []check{{"/tmp/d", "/"}, {"/tmp/full/g", "G"}}},
		{"dir over file", "/tmp/d", "/tmp/f", linux.ENOTDIR, []check{{"/tmp/d", "/"}, {"/tmp/f", "F"}}},
		{"dir onto itself", "/tmp/full", "/tmp/full", OK, []check{{"/tmp/full/g", "G"}}},
		{"dir into itself", "/tmp/full", "/tmp/full/sub", linux.EINVAL, []check{{"/tmp/full/g", "G"}}},
		{"dir into own subdir", "/tmp/full", "/tmp/full/sub/x", linux.EINVAL, []check{{"/tmp/full/g", "G"}, {"/tmp/full/sub", "/"}}},
		{"dir into own subdir via symlink", "/tmp/full", "/tmp/lsub/x", linux.EINVAL, []check{{"/tmp/full/g", "G"}}},
		{"dir with trailing slash", "/tmp/full/", "/tmp/moved/", OK, []check{{"/tmp/moved/g", "G"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newStdFS(t)
			writeFile(t, fs, "/tmp/f", "F")
			mustMkdir(t, fs, "/tmp/d")
			mustMkdir(t, fs, "/tmp/full")
			writeFile(t, fs, "/tmp/full/g", "G")
			mustMkdir(t, fs, "/tmp/full/sub")
			mustSymlink(t, fs, "/tmp/full/sub", "/tmp/lsub")
			mustSymlink(t, fs, "/tmp/d", "/tmp/ld")
			if e := fs.Chdir("/tmp"); e != OK {
				t.Fatalf("Chdir(/tmp) = %v, want OK", e)
			}
			if got := fs.Rename(linux.AT_FDCWD, tt.old, linux.AT_FDCWD, tt.new); got != tt.want {
				t.Errorf("Rename(%q, %q) = %v, want %v", tt.old, tt.new, got, tt.want)
			}
			for _, c := range tt.checks {
				st, e := statPath(fs, linux.AT_FDCWD, c.path, linux.AT_SYMLINK_NOFOLLOW)
				switch {
				case c.content == "":
					if e != linux.ENOENT {
						t.Errorf("Stat(%q) = %v, want ENOENT", c.path, e)
					}
				case c.content == "/":
					if e != OK || st.mode&linux.S_IFMT != linux.S_IFDIR {
						t.Errorf("Stat(%q) = mode %#o, %v, want a directory", c.path, st.mode, e)
					}
				default:
					if e != OK {
						t.Errorf("Stat(%q) = %v, want OK", c.path, e)
					} else if got := content(t, fs, c.path); got != c.content {
						t.Errorf("content(%q) = %q, want %q", c.path, got, c.content)
					}
				}
			}
			// Listings agree with lookups: no name is listed twice or
			// in two directories.
			seen := map[uint64]string{}
			for _, dir := range []string{"/tmp", "/tmp/d", "/tmp/full", "/tmp/moved"} {
				if _, e := statPath(fs, linux.AT_FDCWD, dir, linux.AT_SYMLINK_NOFOLLOW); e != OK {
					continue
				}
				for _, d := range readDir(t, fs, dir)[2:] {
					p := dir + "/" + d.name
					if other, ok := seen[d.ino]; ok {
						t.Errorf("inode %d listed as %q and %q", d.ino, other, p)
					}
					seen[d.ino] = p
					if st, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW); e != OK || st.ino != d.ino {
						t.Errorf("Stat(%q) = ino %d, %v, want ino %d (d_ino), OK", p, st.ino, e, d.ino)
					}
				}
			}
		})
	}
}

// Renaming between directory handles, and renaming the working directory's
// ancestor (Getwd follows it).
func TestTmpfsRenameHandles(t *testing.T) {
	fs := New()
	mustMkdir(t, fs, "/tmp/a")
	mustMkdir(t, fs, "/tmp/b")
	mustMkdir(t, fs, "/tmp/a/sub")
	writeFile(t, fs, "/tmp/a/f", "F")
	ha := mustOpen(t, fs, "/tmp/a", linux.O_RDONLY|linux.O_DIRECTORY)
	hb := mustOpen(t, fs, "/tmp/b", linux.O_RDONLY|linux.O_DIRECTORY)
	if e := fs.Rename(ha, "f", hb, "g"); e != OK {
		t.Fatalf("Rename(a:f, b:g) = %v, want OK", e)
	}
	if got := content(t, fs, "/tmp/b/g"); got != "F" {
		t.Errorf("content(/tmp/b/g) = %q, want %q", got, "F")
	}
	if e := fs.Rename(ha, "f", hb, "g"); e != linux.ENOENT {
		t.Errorf("Rename(a:f, b:g) again = %v, want ENOENT", e)
	}
	if e := fs.Rename(999, "f", hb, "g"); e != linux.EBADF {
		t.Errorf("Rename(bad handle, ...) = %v, want EBADF", e)
	}
	if e := fs.Rename(ha, "sub", 999, "g"); e != linux.EBADF {
		t.Errorf("Rename(..., bad handle) = %v, want EBADF", e)
	}
	if e := fs.Chdir("/tmp/a/sub"); e != OK {
		t.Fatalf("Chdir(/tmp/a/sub) = %v, want OK", e)
	}
	if e := fs.Rename(linux.AT_FDCWD, "/tmp/a", hb, "renamed"); e != OK {
		t.Fatalf("Rename(/tmp/a, b:renamed) = %v, want OK", e)
	}
	if got, want := fs.Getwd(), "/tmp/b/renamed/sub"; got != want {
		t.Errorf("Getwd() after renaming an ancestor = %q, want %q", got, want)
	}
	// The handle follows the directory too.
	if e := fs.Mkdir(ha, "new", 0o755); e != OK {
		t.Errorf("Mkdir(a:new) = %v, want OK", e)
	}
	if _, e := statPath(fs, linux.AT_FDCWD, "/tmp/b/renamed/new", 0); e != OK {
		t.Errorf("Stat(/tmp/b/renamed/new) = %v, want OK", e)
	}
}

func TestTmpfsMkdir(t *testing.T) {
	long := strings.Repeat("n", 256)
	tests := []struct {
		path string
		want linux.Errno
	}{
		{"/tmp/new", OK},
		{"/tmp/new/", OK},
		{"/tmp//new", OK},
		{"new", OK}, // cwd is /tmp
		{"./new", OK},
		{"d/new", OK},
		{"/tmp/d/../new", OK},
		{"/tmp/ld/new", OK}, // through a symlink to a directory
		{"/tmp/d", linux.EEXIST},
		{"/tmp/f", linux.EEXIST},
		{"/tmp/ld", linux.EEXIST},
		{"/tmp/dangling", linux.EEXIST},
		{"/tmp", linux.EEXIST},
		{"/tmp/.", linux.EEXIST},
		{"/tmp/..", linux.EEXIST},
		{"/", linux.EEXIST},
		{"/tmp/missing/new", linux.ENOENT},
		{"/tmp/missing/a/b", linux.ENOENT},
		{"/tmp/f/new", linux.ENOTDIR},
		{"/tmp/f/a/b", linux.ENOTDIR},
		{"/tmp/" + long, linux.ENAMETOOLONG},
		{"", linux.ENOENT},
		{"/etc/new", linux.EACCES},
	}
	for _, tt := range tests {
		fs := newStdFS(t)
		writeFile(t, fs, "/tmp/f", "x")
		mustMkdir(t, fs, "/tmp/d")
		mustSymlink(t, fs, "/tmp/d", "/tmp/ld")
		mustSymlink(t, fs, "/tmp/nothing", "/tmp/dangling")
		if e := fs.Chdir("/tmp"); e != OK {
			t.Fatalf("Chdir(/tmp) = %v, want OK", e)
		}
		if got := fs.Mkdir(linux.AT_FDCWD, tt.path, 0o750); got != tt.want {
			t.Errorf("Mkdir(%q) = %v, want %v", tt.path, got, tt.want)
		}
		if tt.want != OK {
			continue
		}
		st := mustStat(t, fs, tt.path, 0)
		if st.mode != linux.S_IFDIR|0o750 {
			t.Errorf("Stat(%q).mode = %#o, want %#o", tt.path, st.mode, linux.S_IFDIR|0o750)
		}
		if got := names(readDir(t, fs, tt.path)); !slices.Equal(got, []string{".", ".."}) {
			t.Errorf("readDir(%q) = %q, want [. ..]", tt.path, got)
		}
	}
}

// Directory link counts: 2 for an empty directory, one more per subdirectory.
func TestTmpfsDirNlink(t *testing.T) {
	fs := New()
	nlink := func(p string) uint64 { return mustStat(t, fs, p, 0).nlink }
	mustMkdir(t, fs, "/tmp/d")
	if got := nlink("/tmp/d"); got != 2 {
		t.Errorf("nlink(empty dir) = %d, want 2", got)
	}
	mustMkdir(t, fs, "/tmp/d/a")
	mustMkdir(t, fs, "/tmp/d/b")
	writeFile(t, fs, "/tmp/d/f", "")
	if got := nlink("/tmp/d"); got != 4 {
		t.Errorf("nlink(dir with 2 subdirs) = %d, want 4", got)
	}
	if e := fs.Unlink(linux.AT_FDCWD, "/tmp/d/a", linux.AT_REMOVEDIR); e != OK {
		t.Fatalf("rmdir(/tmp/d/a) = %v, want OK", e)
	}
	if got := nlink("/tmp/d"); got != 3 {
		t.Errorf("nlink after rmdir = %d, want 3", got)
	}
	if got := nlink("/tmp/d/f"); got != 1 {
		t.Errorf("nlink(file) = %d, want 1", got)
	}
}
