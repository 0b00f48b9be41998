package vfs

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	"unigo/kernel/abi/linux"
)

func TestLoadCpioFiles(t *testing.T) {
	fs := newStdFS(t)
	tests := []struct {
		path    string
		content string
		mode    uint32
	}{
		{"/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", linux.S_IFREG | 0o644},
		{"/etc/shadow", "root:*:1::::::\n", linux.S_IFREG | 0o600},
		{"/etc/empty", "", linux.S_IFREG | 0o644},
		{"/etc/hostname", "unigo\n", linux.S_IFREG | 0o644},
		{"/bin/sh", "#!shell\n", linux.S_IFREG | 0o755},
		{"/usr/share/doc/readme", "read me\n", linux.S_IFREG | 0o444},
		{"/usr/lib/libc.so", "ELF", linux.S_IFREG | 0o755},
		{"/data/big", bigContent, linux.S_IFREG | 0o644},
		// Through symlinks: relative, absolute, to a directory.
		{"/etc/motd", "root:x:0:0:root:/root:/bin/sh\n", linux.S_IFREG | 0o644},
		{"/etc/rel", "#!shell\n", linux.S_IFREG | 0o755},
		{"/lib/libc.so", "ELF", linux.S_IFREG | 0o755},
	}
	for _, tt := range tests {
		if got := content(t, fs, tt.path); got != tt.content {
			t.Errorf("content(%q) = %q (%d bytes), want %q (%d bytes)", tt.path, trunc(got), len(got), trunc(tt.content), len(tt.content))
		}
		st := mustStat(t, fs, tt.path, 0)
		if st.mode != tt.mode {
			t.Errorf("Stat(%q).mode = %#o, want %#o", tt.path, st.mode, tt.mode)
		}
		if st.size != int64(len(tt.content)) {
			t.Errorf("Stat(%q).size = %d, want %d", tt.path, st.size, len(tt.content))
		}
	}
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func TestLoadCpioDirsAndLinks(t *testing.T) {
	fs := newStdFS(t)
	tests := []struct {
		path  string
		flags int
		mode  uint32
		size  int64
	}{
		{"/", 0, linux.S_IFDIR | 0o755, 4096},
		{"/etc", 0, linux.S_IFDIR | 0o750, 4096}, // explicit record
		{"/bin", 0, linux.S_IFDIR | 0o755, 4096}, // implied by bin/sh
		{"/usr", 0, linux.S_IFDIR | 0o755, 4096}, // implied, two levels up
		{"/usr/share/doc", 0, linux.S_IFDIR | 0o755, 4096},
		{"/usr/lib", 0, linux.S_IFDIR | 0o700, 4096}, // explicit record
		{"/lib", 0, linux.S_IFDIR | 0o700, 4096},
		{"/lib", linux.AT_SYMLINK_NOFOLLOW, linux.S_IFLNK | 0o777, int64(len("usr/lib"))},
		{"/etc/motd", linux.AT_SYMLINK_NOFOLLOW, linux.S_IFLNK | 0o777, int64(len("/etc/passwd"))},
		{"/etc/dangling", linux.AT_SYMLINK_NOFOLLOW, linux.S_IFLNK | 0o777, int64(len("/nonexistent"))},
		{"/tmp", 0, linux.S_IFDIR | 0o1777, 4096},
	}
	for _, tt := range tests {
		st := mustStat(t, fs, tt.path, tt.flags)
		if st.mode != tt.mode || st.size != tt.size {
			t.Errorf("Stat(%q, %#x) = mode %#o size %d, want mode %#o size %d", tt.path, tt.flags, st.mode, st.size, tt.mode, tt.size)
		}
	}
	links := []struct{ path, target string }{
		{"/lib", "usr/lib"},
		{"/etc/motd", "/etc/passwd"},
		{"/etc/rel", "../bin/sh"},
		{"/etc/dangling", "/nonexistent"},
	}
	for _, l := range links {
		if got, e := fs.Readlink(linux.AT_FDCWD, l.path); got != l.target || e != OK {
			t.Errorf("Readlink(%q) = %q, %v, want %q, OK", l.path, got, e, l.target)
		}
	}
	if got, want := names(readDir(t, fs, "/")), []string{".", "..", "bin", "data", "etc", "lib", "tmp", "usr"}; !slices.Equal(got, want) {
		t.Errorf("readDir(/) = %q, want %q", got, want)
	}
	if got, want := names(readDir(t, fs, "/usr")), []string{".", "..", "lib", "share"}; !slices.Equal(got, want) {
		t.Errorf("readDir(/usr) = %q, want %q", got, want)
	}
	if got, want := mustStat(t, fs, "/etc/hostname", 0).mtime, mtime; !got.Equal(want) {
		t.Errorf("Stat(/etc/hostname).mtime = %v, want %v (from the archive)", got, want)
	}
}

// A directory record after files that implied the directory sets its mode
// and keeps its children; a record for an implied directory's parent too.
func TestLoadCpioLateDirRecord(t *testing.T) {
	fs := New()
	a := archive(t,
		cpio.StaticFile("a/b/f", "x", 0o644),
		cpio.Directory("a/b", 0o711),
		cpio.Directory("a", 0o700),
	)
	// Leading and trailing slashes are trimmed (u-root's writer trims them
	// too, so these records are made by hand).
	a = a[:strings.LastIndex(a, newcMagic)] + // drop u-root's trailer
		rawRecord("/abs/", linux.S_IFDIR|0o750, "", -1, -1) +
		rawRecord("//abs/f/", linux.S_IFREG|0o600, "y", -1, -1) +
		trailer
	if err := fs.LoadCpio(a); err != nil {
		t.Fatalf("LoadCpio = %v, want nil", err)
	}
	for _, tt := range []struct {
		path string
		mode uint32
	}{
		{"/a", linux.S_IFDIR | 0o700},
		{"/a/b", linux.S_IFDIR | 0o711},
		{"/a/b/f", linux.S_IFREG | 0o644},
		{"/abs", linux.S_IFDIR | 0o750},
		{"/abs/f", linux.S_IFREG | 0o600},
	} {
		if got := mustStat(t, fs, tt.path, 0).mode; got != tt.mode {
			t.Errorf("Stat(%q).mode = %#o, want %#o", tt.path, got, tt.mode)
		}
	}
	if got := content(t, fs, "/a/b/f"); got != "x" {
		t.Errorf("content(/a/b/f) = %q, want %q", got, "x")
	}
}

// /tmp is a writable directory after LoadCpio, whatever the archive says
// about "tmp".
func TestLoadCpioTmp(t *testing.T) {
	tests := []struct {
		name string
		recs []cpio.Record
	}{
		{"no tmp", []cpio.Record{cpio.StaticFile("f", "x", 0o644)}},
		{"empty archive", nil},
		{"read-only tmp dir", []cpio.Record{cpio.Directory("tmp", 0o555)}},
		{"tmp dir with mode 0", []cpio.Record{cpio.Directory("tmp", 0)}},
		{"tmp is a file", []cpio.Record{cpio.StaticFile("tmp", "not a dir", 0o444)}},
		{"tmp is a symlink", []cpio.Record{cpio.Symlink("tmp", "/etc")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New()
			if err := fs.LoadCpio(archive(t, tt.recs...)); err != nil {
				t.Fatalf("LoadCpio = %v, want nil", err)
			}
			st := mustStat(t, fs, "/tmp", linux.AT_SYMLINK_NOFOLLOW)
			if st.mode != linux.S_IFDIR|0o1777 {
				t.Errorf("Stat(/tmp).mode = %#o, want %#o", st.mode, linux.S_IFDIR|0o1777)
			}
			if e := fs.Access(linux.AT_FDCWD, "/tmp", true); e != OK {
				t.Errorf("Access(/tmp, write) = %v, want OK", e)
			}
			writeFile(t, fs, "/tmp/new", "hello")
			if got := content(t, fs, "/tmp/new"); got != "hello" {
				t.Errorf("content(/tmp/new) = %q, want %q", got, "hello")
			}
			mustMkdir(t, fs, "/tmp/dir")
		})
	}
}

// The archive may be empty, end without a trailer, or carry padding after
// the trailer (as when it is rounded up to a block size).
func TestLoadCpioFraming(t *testing.T) {
	file := rawRecord("f", linux.S_IFREG|0o644, "abcde", -1, -1)
	tests := []struct {
		name    string
		archive string
		want    string // content of /f, or "" when absent
	}{
		{"empty", "", ""},
		{"trailer only", trailer, ""},
		{"no trailer", file, "abcde"},
		{"padding after trailer", file + trailer + strings.Repeat("\x00", 512), "abcde"},
		{"garbage after trailer", file + trailer + "garbage", "abcde"},
		{"records after trailer ignored", trailer + file, ""},
		{"u-root writer", archive(t, cpio.StaticFile("f", "abcde", 0o644)), "abcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New()
			if err := fs.LoadCpio(tt.archive); err != nil {
				t.Fatalf("LoadCpio = %v, want nil", err)
			}
			_, e := statPath(fs, linux.AT_FDCWD, "/f", 0)
			if tt.want == "" {
				if e != linux.ENOENT {
					t.Errorf("Stat(/f) = %v, want ENOENT", e)
				}
				return
			}
			if got := content(t, fs, "/f"); got != tt.want {
				t.Errorf("content(/f) = %q, want %q", got, tt.want)
			}
		})
	}
}

// Our hand-built records are what u-root writes, so the corrupt cases below
// differ from a valid archive only where they say.
func TestRawRecordMatchesUroot(t *testing.T) {
	r := cpio.StaticFile("dir/file", "content", 0o644)
	r.Ino, r.NLink = 1, 1
	got := rawRecord("dir/file", linux.S_IFREG|0o644, "content", -1, -1) + trailer
	tr := cpio.TrailerRecord
	tr.Ino, tr.NLink = 1, 1
	if want := archive(t, r, tr); got != want {
		t.Errorf("rawRecord = %q, want %q (u-root)", got, want)
	}
}

func TestLoadCpioCorrupt(t *testing.T) {
	valid := rawRecord("etc/passwd", linux.S_IFREG|0o644, "root\n", -1, -1) + trailer
	setField := func(rec string, field int, hex string) string {
		off := 6 + 8*field
		return rec[:off] + hex + rec[off+8:]
	}
	tests := []struct {
		name    string
		archive string
	}{
		{"bad magic", "070707" + valid[6:]},
		{"old binary magic", "\xc7\x71" + valid[2:]},
		{"text", "hello, world"},
		{"truncated magic", valid[:3]},
		{"truncated header", valid[:60]},
		{"header one byte short", valid[:109]},
		{"non-hex field", setField(valid, 6, "0000000G")},
		{"signed field", setField(valid, 6, "+0000005")},
		{"0x in field", setField(valid, 6, "0x000005")},
		{"namesize 0", setField(valid, 11, "00000000")},
		{"name past end", setField(valid, 11, "00001000")},
		{"name past end (huge)", setField(valid, 11, "FFFFFFFF")},
		{"truncated name", valid[:115]},
		{"size past end", setField(valid, 6, "00001000")},
		{"size past end (huge)", setField(valid, 6, "FFFFFFFF")},
		{"truncated data", valid[:122]},
		{"second record bad magic", rawRecord("a", linux.S_IFREG|0o644, "x", -1, -1) + "X" + valid[1:]},
		{"second header truncated", rawRecord("a", linux.S_IFREG|0o644, "x", -1, -1) + valid[:100]},
		{"trailer truncated", rawRecord("a", linux.S_IFREG|0o644, "x", -1, -1) + trailer[:50]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New()
			err := fs.LoadCpio(tt.archive)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("LoadCpio(%q) = %v, want ErrCorrupt", trunc(tt.archive), err)
			}
			// The file system stays usable.
			if st := mustStat(t, fs, "/tmp", 0); st.mode != linux.S_IFDIR|0o1777 {
				t.Errorf("Stat(/tmp).mode = %#o after a corrupt archive, want %#o", st.mode, linux.S_IFDIR|0o1777)
			}
			writeFile(t, fs, "/tmp/x", "ok")
		})
	}
}

// A prefix of a valid archive is corrupt unless it ends on a record
// boundary (no trailer is needed), inside the padding after a record's data,
// or after a complete trailer name (readNewc stops there).
func TestLoadCpioTruncations(t *testing.T) {
	type rec struct {
		name string
		mode uint32
		data string
	}
	recs := []rec{
		{"d", linux.S_IFDIR | 0o755, ""},
		{"d/file", linux.S_IFREG | 0o644, "12345"},
		{"link", linux.S_IFLNK | 0o777, "d/file"},
		{"TRAILER!!!", 0, ""},
	}
	var full string
	valid := map[int]bool{}
	for _, r := range recs {
		start := len(full)
		valid[start] = true
		full += rawRecord(r.name, r.mode, r.data, -1, -1)
		nameEnd := start + newcHeaderLen + len(r.name) + 1
		dataEnd := start + pad4(newcHeaderLen+len(r.name)+1) + len(r.data)
		switch {
		case r.name == "TRAILER!!!":
			for n := nameEnd; n <= len(full); n++ {
				valid[n] = true
			}
		case r.data != "":
			for n := dataEnd; n < len(full); n++ {
				valid[n] = true
			}
		}
	}
	for n := 0; n <= len(full); n++ {
		err := New().LoadCpio(full[:n])
		if valid[n] && err != nil {
			t.Errorf("LoadCpio(full[:%d]) = %v, want nil", n, err)
		}
		if !valid[n] && !errors.Is(err, ErrCorrupt) {
			t.Errorf("LoadCpio(full[:%d]) = %v, want ErrCorrupt", n, err)
		}
	}
}

// Device nodes and other types load as such; d_type and st_mode show them.
func TestLoadCpioCharDev(t *testing.T) {
	fs := New()
	if err := fs.LoadCpio(archive(t, cpio.CharDev("dev/null", 0o666, 1, 3))); err != nil {
		t.Fatalf("LoadCpio = %v, want nil", err)
	}
	if got := mustStat(t, fs, "/dev/null", 0).mode; got != linux.S_IFCHR|0o666 {
		t.Errorf("Stat(/dev/null).mode = %#o, want %#o", got, linux.S_IFCHR|0o666)
	}
	ds := readDir(t, fs, "/dev")
	if len(ds) != 3 || ds[2].name != "null" || ds[2].typ != 2 {
		t.Errorf("readDir(/dev) = %+v, want [. .. null(d_type 2)]", ds)
	}
}

func FuzzNewc(f *testing.F) {
	valid := archive(f, stdRecords()...)
	f.Add([]byte(valid))
	for _, n := range []int{0, 1, 6, 109, 110, 111, 120, 200, 400, len(valid) / 2, len(valid) - 1} {
		f.Add([]byte(valid[:n]))
	}
	f.Add([]byte(rawRecord("a/b/c", linux.S_IFREG|0o644, "x", -1, -1) + trailer))
	f.Add([]byte(rawRecord("x", linux.S_IFLNK|0o777, "x", -1, -1) + trailer))
	f.Add([]byte(rawRecord("tmp", linux.S_IFREG|0o644, "x", -1, -1) + rawRecord("tmp/a", linux.S_IFREG, "y", -1, -1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := New()
		err := fs.LoadCpio(string(data))
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("LoadCpio = %v, want nil or ErrCorrupt", err)
		}
		// Whatever was loaded, the tree can be walked and /tmp works.
		walk(t, fs, "/", 0)
		if st := mustStat(t, fs, "/tmp", linux.AT_SYMLINK_NOFOLLOW); st.mode != linux.S_IFDIR|0o1777 {
			t.Fatalf("Stat(/tmp).mode = %#o, want %#o", st.mode, linux.S_IFDIR|0o1777)
		}
		if e := fs.Mkdir(linux.AT_FDCWD, "/tmp/fuzz-new-dir", 0o755); e != OK {
			t.Fatalf("Mkdir(/tmp/fuzz-new-dir) = %v, want OK", e)
		}
	})
}

// walk lists every directory under path (not following symlinks), reads
// every regular file and checks Stat's size against what was read.
func walk(t *testing.T, fs *FS, path string, depth int) {
	t.Helper()
	if depth > 64 {
		t.Fatalf("walk: %q nested deeper than 64", path)
	}
	ds := readDir(t, fs, path)
	subdirs := uint64(0)
	for _, d := range ds[2:] {
		if d.typ == 4 {
			subdirs++
		}
	}
	if got := mustStat(t, fs, path, linux.AT_SYMLINK_NOFOLLOW).nlink; got != 2+subdirs {
		t.Errorf("Stat(%q).nlink = %d, want %d (2 + subdirectories)", path, got, 2+subdirs)
	}
	for _, d := range ds[2:] {
		if d.name == "" || d.name == "." || d.name == ".." {
			continue // LoadCpio keeps such names (bugs_test.go); paths cannot reach them
		}
		p := strings.TrimSuffix(path, "/") + "/" + d.name
		st, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW)
		if e != OK {
			// Names the path syntax cannot reach ("", ".", "..", too long).
			continue
		}
		switch st.mode & linux.S_IFMT {
		case linux.S_IFDIR:
			walk(t, fs, p, depth+1)
		case linux.S_IFREG:
			if got := int64(len(content(t, fs, p))); got != st.size {
				t.Errorf("len(content(%q)) = %d, want Stat size %d", p, got, st.size)
			}
		}
	}
}
