package vfs

// Regression tests of bugs found and fixed. Each states Linux's behaviour
// and how the code got it wrong:
//
//	go test ./kernel/vfs -run Bug -v

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	"unigo/kernel/abi/linux"
)

// fstatat(fd, "", buf, AT_EMPTY_PATH) works on any handle (glibc >= 2.33
// implements fstat with it); Stat calls dirOf first, which refuses a
// non-directory handle with ENOTDIR.
func TestBugStatEmptyPathOnFile(t *testing.T) {
	fs := newStdFS(t)
	for _, p := range []string{"/etc/passwd", "/lib/libc.so"} {
		h := mustOpen(t, fs, p, linux.O_RDONLY)
		want := mustStat(t, fs, p, 0)
		if got, e := statPath(fs, h, "", linux.AT_EMPTY_PATH); e != OK || got != want {
			t.Errorf("Stat(Open(%q), \"\", AT_EMPTY_PATH) = %+v, %v, want %+v, OK", p, got, e, want)
		}
	}
}

// open(O_CREAT) through a dangling symlink creates the symlink's target
// (or fails); O_EXCL does not follow it (EEXIST). lookup used to report
// the link's own parent and name for ENOENT, so Open replaced the symlink
// with a new regular file.
func TestBugCreateThroughDanglingSymlink(t *testing.T) {
	tests := []struct {
		target string
		flags  int
		e      linux.Errno
		file   string // where the new file must appear, if e == OK
	}{
		{"/tmp/target", linux.O_CREAT | linux.O_WRONLY, OK, "/tmp/target"},
		{"target", linux.O_CREAT | linux.O_WRONLY, OK, "/tmp/target"},
		{"/tmp/nodir/x", linux.O_CREAT | linux.O_WRONLY, linux.ENOENT, ""},
		{"/tmp/target", linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY, linux.EEXIST, ""},
		{"/tmp/target", linux.O_CREAT | linux.O_NOFOLLOW | linux.O_WRONLY, linux.ELOOP, ""},
		{"/tmp/newdir/", linux.O_CREAT | linux.O_WRONLY, linux.EISDIR, ""},
		{"/new", linux.O_CREAT | linux.O_WRONLY, linux.EACCES, ""}, // the root is read-only
		{"/tmp/target", linux.O_RDONLY, linux.ENOENT, ""},          // no O_CREAT
	}
	for _, tt := range tests {
		fs := New()
		mustSymlink(t, fs, tt.target, "/tmp/l")
		h, e := fs.Open(linux.AT_FDCWD, "/tmp/l", tt.flags, 0o644)
		if e != tt.e {
			t.Errorf("Open(/tmp/l -> %q, %#o) = %v, want %v", tt.target, tt.flags, e, tt.e)
		}
		if e == OK {
			fs.Write(h, []byte("x"), -1)
		}
		if got, e := fs.Readlink(linux.AT_FDCWD, "/tmp/l"); got != tt.target || e != OK {
			t.Errorf("after Open(/tmp/l -> %q, %#o): Readlink(/tmp/l) = %q, %v, want %q, OK", tt.target, tt.flags, got, e, tt.target)
		}
		if tt.file != "" {
			if _, e := statPath(fs, linux.AT_FDCWD, tt.file, 0); e != OK {
				t.Errorf("after Open(/tmp/l -> %q, %#o): Stat(%q) = %v, want OK", tt.target, tt.flags, tt.file, e)
			}
		}
	}
	// A chain of links, relative to each link's own directory.
	fs := New()
	mustMkdir(t, fs, "/tmp/d")
	mustMkdir(t, fs, "/tmp/d/sub")
	mustSymlink(t, fs, "d/l2", "/tmp/l1")
	mustSymlink(t, fs, "sub/t", "/tmp/d/l2")
	writeFile(t, fs, "/tmp/l1", "chained")
	if got := content(t, fs, "/tmp/d/sub/t"); got != "chained" {
		t.Errorf("content(/tmp/d/sub/t) after writing /tmp/l1 -> d/l2 -> sub/t = %q, want %q", got, "chained")
	}
}

// A directory's entries that are not removed must each be listed once,
// even when entries already listed are removed between calls (the
// rm -r pattern). Getdents keeps a position in a freshly sorted name list,
// so every removal shifts the unlisted names back past the position.
func TestBugGetdentsSkipsAfterUnlink(t *testing.T) {
	fs := New()
	mustMkdir(t, fs, "/tmp/d")
	var want []string
	for _, n := range strings.Split("a b c d e f g h", " ") {
		writeFile(t, fs, "/tmp/d/"+n, "")
		want = append(want, n)
	}
	h := mustOpen(t, fs, "/tmp/d", linux.O_RDONLY|linux.O_DIRECTORY)
	var got []string
	b := make([]byte, 24*4) // ".", "..", and two names per call
	for {
		n, e := fs.Getdents(h, b)
		if e != OK || n == 0 {
			break
		}
		for _, d := range decodeDirents(t, b[:n]) {
			if d.name == "." || d.name == ".." {
				continue
			}
			got = append(got, d.name)
			if e := fs.Unlink(linux.AT_FDCWD, "/tmp/d/"+d.name, 0); e != OK {
				t.Fatalf("Unlink(/tmp/d/%s) = %v, want OK", d.name, e)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("names listed while removing them = %q, want %q", got, want)
	}
}

// rename(2) refuses "." and ".." as either last component (EBUSY or
// EINVAL). Rename does not check them (Unlink does): renaming "d/." links
// d under a second name, and renaming onto "x/." adds an entry named ".".
func TestBugRenameDot(t *testing.T) {
	tests := []struct{ old, new string }{
		{"/tmp/a/.", "/tmp/c"},
		{"/tmp/a/b/..", "/tmp/c"},
		{"/tmp/a", "/tmp/empty/."},
		{"/tmp/f", "/tmp/a/.."},
	}
	for _, tt := range tests {
		fs := New()
		mustMkdir(t, fs, "/tmp/a")
		mustMkdir(t, fs, "/tmp/a/b")
		mustMkdir(t, fs, "/tmp/empty")
		writeFile(t, fs, "/tmp/f", "")
		before := snapshot(t, fs, "/tmp/")
		if e := fs.Rename(linux.AT_FDCWD, tt.old, linux.AT_FDCWD, tt.new); e == OK {
			t.Errorf("Rename(%q, %q) = OK, want an error", tt.old, tt.new)
		}
		if after := snapshot(t, fs, "/tmp/"); !slices.Equal(after, before) {
			t.Errorf("after Rename(%q, %q): /tmp = %q, want %q", tt.old, tt.new, after, before)
		}
	}
}

// A trailing slash (or "/.") after a non-directory is ENOTDIR, and after a
// symlink it forces following. lookup used to treat "f/" like "f" and to
// skip "." without checking that the current node is a directory.
func TestBugTrailingSlashOnNonDir(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "x")
	mustSymlink(t, fs, "/tmp", "/tmp/ld")
	stat := func(p string, flags int) func() linux.Errno {
		return func() linux.Errno { _, e := statPath(fs, linux.AT_FDCWD, p, flags); return e }
	}
	tests := []struct {
		name string
		op   func() linux.Errno
		want linux.Errno
	}{
		{"Stat(/tmp/f/)", stat("/tmp/f/", 0), linux.ENOTDIR},
		{"Stat(/tmp/f/.)", stat("/tmp/f/.", 0), linux.ENOTDIR},
		{"Stat(/etc/passwd//)", stat("/etc/passwd//", 0), linux.ENOTDIR},
		{"Open(/tmp/f/)", func() linux.Errno { _, e := fs.Open(linux.AT_FDCWD, "/tmp/f/", linux.O_RDONLY, 0); return e }, linux.ENOTDIR},
		{"Open(/tmp/new/, O_CREAT)", func() linux.Errno {
			_, e := fs.Open(linux.AT_FDCWD, "/tmp/new/", linux.O_CREAT|linux.O_WRONLY, 0o644)
			return e
		}, linux.EISDIR},
		{"Unlink(/tmp/f/)", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/tmp/f/", 0) }, linux.ENOTDIR},
		{"Rename(/tmp/f, /tmp/g/)", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/tmp/f", linux.AT_FDCWD, "/tmp/g/") }, linux.ENOTDIR},
		{"Readlink(/lib/)", func() linux.Errno { _, e := fs.Readlink(linux.AT_FDCWD, "/lib/"); return e }, linux.EINVAL},
		{"Stat(/tmp/ld/, NOFOLLOW) is the dir", func() linux.Errno {
			st, e := statPath(fs, linux.AT_FDCWD, "/tmp/ld/", linux.AT_SYMLINK_NOFOLLOW)
			if e == OK && st.mode&linux.S_IFMT != linux.S_IFDIR {
				return linux.ELOOP // not followed
			}
			return e
		}, OK},
		{"Open(/tmp/ld/, O_NOFOLLOW|O_DIRECTORY)", func() linux.Errno {
			h, e := fs.Open(linux.AT_FDCWD, "/tmp/ld/", linux.O_RDONLY|linux.O_NOFOLLOW|linux.O_DIRECTORY, 0)
			if e == OK {
				fs.Close(h)
			}
			return e
		}, OK},
		{"Open(/tmp/f/, O_CREAT)", func() linux.Errno {
			_, e := fs.Open(linux.AT_FDCWD, "/tmp/f/", linux.O_CREAT|linux.O_WRONLY, 0o644)
			return e
		}, linux.EISDIR},
		{"Unlink(/tmp/ld/)", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/tmp/ld/", 0) }, linux.ENOTDIR}, // the link is not followed
		{"Rename(/tmp/ld/, /tmp/x)", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/tmp/ld/", linux.AT_FDCWD, "/tmp/x") }, linux.ENOTDIR},
		{"Symlink(x, /tmp/s/)", func() linux.Errno { return fs.Symlink("x", linux.AT_FDCWD, "/tmp/s/") }, linux.ENOENT},
		{"Mkdir(/tmp/d/)", func() linux.Errno { return fs.Mkdir(linux.AT_FDCWD, "/tmp/d/", 0o755) }, OK},
		{"Mkdir(/tmp/f/)", func() linux.Errno { return fs.Mkdir(linux.AT_FDCWD, "/tmp/f/", 0o755) }, linux.EEXIST},
		{"Rename(/tmp/d/, /tmp/e/)", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/tmp/d/", linux.AT_FDCWD, "/tmp/e/") }, OK},
		{"Unlink(/tmp/e/)", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/tmp/e/", 0) }, linux.EISDIR},
		{"Rmdir(/tmp/e//)", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/tmp/e//", linux.AT_REMOVEDIR) }, OK},
		{"Stat(/tmp/f)", stat("/tmp/f", 0), OK}, // still there
		{"Stat(/tmp/ld, NOFOLLOW)", stat("/tmp/ld", linux.AT_SYMLINK_NOFOLLOW), OK},
	}
	for _, tt := range tests {
		if got := tt.op(); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Archives made by `find . | cpio -o -H newc` name their records "." and
// "./etc/passwd"; the kernel's initramfs unpacker resolves such names as
// paths. LoadCpio only trims slashes and makes directories literally named
// ".", "" and ".." (unreachable by any path, but listed by Getdents).
func TestBugLoadCpioDotNames(t *testing.T) {
	// By hand: u-root's writer cleans names with path.Clean.
	tests := []struct {
		name    string
		archive string
		path    string // must exist
	}{
		{"./ prefix", rawRecord(".", linux.S_IFDIR|0o755, "", -1, -1) + rawRecord("./etc", linux.S_IFDIR|0o755, "", -1, -1) +
			rawRecord("./etc/passwd", linux.S_IFREG|0o644, "x", -1, -1), "/etc/passwd"},
		{"double slash", rawRecord("etc//passwd", linux.S_IFREG|0o644, "x", -1, -1), "/etc/passwd"},
		{"dot-dot", rawRecord("bin/../etc/passwd", linux.S_IFREG|0o644, "x", -1, -1), "/etc/passwd"},
	}
	for _, tt := range tests {
		fs := New()
		if err := fs.LoadCpio(tt.archive + trailer); err != nil {
			t.Fatalf("%s: LoadCpio = %v, want nil", tt.name, err)
		}
		if _, e := statPath(fs, linux.AT_FDCWD, tt.path, 0); e != OK {
			t.Errorf("%s: Stat(%q) = %v, want OK", tt.name, tt.path, e)
		}
		for _, d := range readDir(t, fs, "/")[2:] {
			if d.name == "" || d.name == "." || d.name == ".." {
				t.Errorf("%s: readDir(/) lists %q", tt.name, d.name)
			}
		}
	}
}

// A newc name is NUL-terminated within c_namesize; Linux's unpacker
// rejects a name whose last byte is not NUL and uses the C string.
// readNewc neither checks the terminator (dropping the name's last byte
// instead) nor stops at an embedded NUL, which then reaches d_name.
func TestBugLoadCpioNameNUL(t *testing.T) {
	tests := []struct {
		name    string
		archive string
		err     error
		path    string // must exist when err == nil
	}{
		{"no terminator", rawRecord("abc", linux.S_IFREG|0o644, "x", 3, -1) + trailer, ErrCorrupt, ""},
		{"embedded NUL", rawRecord("a\x00b", linux.S_IFREG|0o644, "x", -1, -1) + trailer, nil, "/a"},
	}
	for _, tt := range tests {
		fs := New()
		if err := fs.LoadCpio(tt.archive); err != tt.err {
			t.Errorf("%s: LoadCpio = %v, want %v", tt.name, err, tt.err)
		}
		if tt.path != "" {
			if _, e := statPath(fs, linux.AT_FDCWD, tt.path, 0); e != OK {
				t.Errorf("%s: Stat(%q) = %v, want OK", tt.name, tt.path, e)
			}
		}
		for _, d := range readDir(t, fs, "/")[2:] {
			if d.name != "tmp" && d.name != "a" {
				t.Errorf("%s: readDir(/) lists %q", tt.name, d.name)
			}
		}
	}
}

// newc stores a hard-linked file's data once; the other names have the
// same c_ino and c_nlink > 1 and size 0 (u-root's Recorder, which
// `unigo build -files` uses, puts the data on the first name; GNU cpio on
// the last). LoadCpio used to ignore c_ino and c_nlink, so the other
// names loaded as separate (empty) files.
func TestBugLoadCpioHardLinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("shared"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	// As tools/unigo/rootfs.go packRoot does.
	rec := cpio.NewRecorder()
	var recs []cpio.Record
	for _, n := range []string{"a", "b"} {
		r, err := rec.GetRecord(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		r.Name = n
		recs = append(recs, cpio.MakeReproducible(r))
	}
	fs := New()
	if err := fs.LoadCpio(archive(t, recs...)); err != nil {
		t.Fatalf("LoadCpio = %v, want nil", err)
	}
	for _, p := range []string{"/a", "/b"} {
		if got := content(t, fs, p); got != "shared" {
			t.Errorf("content(%q) = %q, want %q", p, got, "shared")
		}
	}
	if a, b := mustStat(t, fs, "/a", 0), mustStat(t, fs, "/b", 0); a.ino != b.ino || a.nlink != 2 {
		t.Errorf("Stat(/a), Stat(/b) = ino %d nlink %d, ino %d, want one inode with nlink 2", a.ino, a.nlink, b.ino)
	}

	// As GNU cpio writes them: the data on the group's last record. A file
	// with the same c_ino but c_nlink 1 is not part of the group.
	link := func(name string, data string) cpio.Record {
		r := cpio.StaticFile(name, data, 0o644)
		r.Ino, r.NLink = 7, 3
		if data == "" {
			r.ReaderAt = nil // size 0
		}
		return r
	}
	lone := cpio.StaticFile("lone", "alone", 0o644)
	lone.Ino, lone.NLink = 7, 1
	fs = New()
	if err := fs.LoadCpio(archive(t, link("x", ""), lone, link("d/y", ""), link("z", "gnu"))); err != nil {
		t.Fatalf("LoadCpio(GNU order) = %v, want nil", err)
	}
	ino := mustStat(t, fs, "/x", 0).ino
	for _, p := range []string{"/x", "/d/y", "/z"} {
		if got := content(t, fs, p); got != "gnu" {
			t.Errorf("GNU order: content(%q) = %q, want %q", p, got, "gnu")
		}
		if st := mustStat(t, fs, p, 0); st.ino != ino || st.nlink != 3 {
			t.Errorf("GNU order: Stat(%q) = ino %d nlink %d, want ino %d nlink 3", p, st.ino, st.nlink, ino)
		}
	}
	if st := mustStat(t, fs, "/lone", 0); st.ino == ino || st.nlink != 1 || content(t, fs, "/lone") != "alone" {
		t.Errorf("Stat(/lone) = ino %d nlink %d, want its own inode (not %d) with nlink 1", st.ino, st.nlink, ino)
	}
	// The root is read-only and tmpfs has no link(2), so no call removes
	// one name of a group; removing it as Unlink would keeps the others.
	detach(fs.root, "x")
	if st := mustStat(t, fs, "/z", 0); st.nlink != 2 || content(t, fs, "/d/y") != "gnu" {
		t.Errorf("after removing /x: Stat(/z).nlink = %d, want 2 and /d/y intact", st.nlink)
	}
}

// A zero-length write changes nothing (Linux returns 0 before looking at
// the offset); Write extends the file to the offset first.
func TestBugEmptyWriteExtends(t *testing.T) {
	fs := New()
	writeFile(t, fs, "/tmp/f", "hello")
	h := mustOpen(t, fs, "/tmp/f", linux.O_RDWR)
	for _, off := range []int64{100, -1} {
		if off < 0 {
			fs.Seek(h, 50, linux.SEEK_SET)
		}
		if n, e := fs.Write(h, nil, off); n != 0 || e != OK {
			t.Errorf("Write(nil, %d) = %d, %v, want 0, OK", off, n, e)
		}
		if got := mustStat(t, fs, "/tmp/f", 0).size; got != 5 {
			t.Errorf("Stat size after Write(nil, %d) = %d, want 5", off, got)
		}
	}
}

// Linux fails a lookup with ELOOP after 40 symlinks in total. lookup only
// bounds the nesting depth, so links whose targets name other links twice
// (l_k -> "l_{k-1}/../l_{k-1}") make one lookup follow 2^k links: with
// k = 30 a guest hangs the file server (k = 22 already takes ~1 s).
func TestBugSymlinkFanout(t *testing.T) {
	fs := New()
	mustMkdir(t, fs, "/tmp/d")
	mustSymlink(t, fs, "d", "/tmp/l0")
	for k := 1; k <= 8; k++ {
		mustSymlink(t, fs, "l"+itoa(k-1)+"/../l"+itoa(k-1), "/tmp/l"+itoa(k))
	}
	if _, e := statPath(fs, linux.AT_FDCWD, "/tmp/l8", 0); e != linux.ELOOP {
		t.Errorf("Stat(/tmp/l8) (255 links followed) = %v, want ELOOP", e)
	}
}

// lseek(fd, 0, SEEK_CUR) asks for the position; on a directory, Seek
// restarts the listing whenever the resulting offset is 0, and the
// offset never moves for directories, so "where am I" rewinds.
func TestBugDirSeekCurRewinds(t *testing.T) {
	fs := newStdFS(t)
	h := mustOpen(t, fs, "/etc", linux.O_RDONLY|linux.O_DIRECTORY)
	b := make([]byte, 48)
	n, _ := fs.Getdents(h, b)
	first := names(decodeDirents(t, b[:n]))
	fs.Seek(h, 0, linux.SEEK_CUR)
	rest := names(readDirHandle(t, fs, h, 4096))
	if got, want := append(first, rest...), names(readDir(t, fs, "/etc")); !slices.Equal(got, want) {
		t.Errorf("listing with Seek(0, SeekCur) after %q = %q, want %q", first, got, want)
	}
}

// A directory's st_nlink is 2 plus its subdirectories (find(1) and fts
// may rely on it). Directories from the archive, /, and Rename between
// directories did not keep the count.
func TestBugDirNlink(t *testing.T) {
	fs := newStdFS(t)
	subdirs := func(p string) uint64 {
		var n uint64
		for _, d := range readDir(t, fs, p)[2:] {
			if d.typ == 4 {
				n++
			}
		}
		return n
	}
	mustMkdir(t, fs, "/tmp/a")
	mustMkdir(t, fs, "/tmp/a/sub")
	mustMkdir(t, fs, "/tmp/b")
	if e := fs.Rename(linux.AT_FDCWD, "/tmp/a/sub", linux.AT_FDCWD, "/tmp/b/sub"); e != OK {
		t.Fatalf("Rename(/tmp/a/sub, /tmp/b/sub) = %v, want OK", e)
	}
	// Replacing an empty directory, and a file, by a rename.
	mustMkdir(t, fs, "/tmp/c")
	mustMkdir(t, fs, "/tmp/c/x")
	mustMkdir(t, fs, "/tmp/c/y")
	writeFile(t, fs, "/tmp/c/f", "")
	mustMkdir(t, fs, "/tmp/c/g")
	if e := fs.Rename(linux.AT_FDCWD, "/tmp/c/x", linux.AT_FDCWD, "/tmp/c/y"); e != OK {
		t.Fatalf("Rename(/tmp/c/x, /tmp/c/y) = %v, want OK", e)
	}
	if e := fs.Rename(linux.AT_FDCWD, "/tmp/c/g", linux.AT_FDCWD, "/tmp/b/g"); e != OK {
		t.Fatalf("Rename(/tmp/c/g, /tmp/b/g) = %v, want OK", e)
	}
	// A removed directory has no links left (fstat of an open one).
	mustMkdir(t, fs, "/tmp/gone")
	h := mustOpen(t, fs, "/tmp/gone", linux.O_RDONLY|linux.O_DIRECTORY)
	if e := fs.Unlink(linux.AT_FDCWD, "/tmp/gone", linux.AT_REMOVEDIR); e != OK {
		t.Fatalf("rmdir(/tmp/gone) = %v, want OK", e)
	}
	b := make([]byte, linux.SizeofStat)
	if e := fs.Fstat(h, b); e != OK || decodeStat(b).nlink != 0 {
		t.Errorf("Fstat(removed dir) = nlink %d, %v, want 0, OK", decodeStat(b).nlink, e)
	}
	for _, p := range []string{"/", "/usr", "/usr/share", "/tmp", "/tmp/a", "/tmp/b", "/tmp/c"} {
		if got, want := mustStat(t, fs, p, 0).nlink, 2+subdirs(p); got != want {
			t.Errorf("Stat(%q).nlink = %d, want %d", p, got, want)
		}
	}
}

// open(dir, O_CREAT) is EISDIR on Linux even read-only; Open allows it.
func TestBugCreatOnDirectory(t *testing.T) {
	fs := newStdFS(t)
	for _, p := range []string{"/tmp", "/etc"} {
		if _, e := fs.Open(linux.AT_FDCWD, p, linux.O_CREAT|linux.O_RDONLY, 0o644); e != linux.EISDIR {
			t.Errorf("Open(%q, O_CREAT|O_RDONLY) = %v, want EISDIR", p, e)
		}
	}
}

// *at calls ignore dirfd for absolute paths; dirOf validates it first.
func TestBugAbsolutePathBadDirh(t *testing.T) {
	fs := newStdFS(t)
	if _, e := statPath(fs, 999, "/etc/passwd", 0); e != OK {
		t.Errorf("Stat(999, /etc/passwd) = %v, want OK", e)
	}
	if _, e := fs.Open(999, "/etc/passwd", linux.O_RDONLY, 0); e != OK {
		t.Errorf("Open(999, /etc/passwd) = %v, want OK", e)
	}
}
