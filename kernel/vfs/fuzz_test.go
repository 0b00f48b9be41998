package vfs

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"unigo/kernel/abi/linux"
)

// bytesource hands out the fuzz input a byte at a time, then zeros.
type bytesource struct{ b []byte }

func (s *bytesource) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *bytesource) take(n int) []byte {
	n = min(n, len(s.b))
	out := s.b[:n:n]
	s.b = s.b[n:]
	return out
}

func FuzzOps(f *testing.F) {
	// Model mode (even first byte): create, write, read, truncate, unlink.
	f.Add([]byte{0, 0, 0, 1, 0, 3, 3, 'a', 'b', 'c', 2, 0, 0, 8})
	f.Add([]byte{0, 0, 1, 1, 0, 10, 4, 'w', 'x', 'y', 'z', 5, 0, 2, 1, 0, 20, 1, 'q', 2, 0, 0, 40, 3, 1})
	f.Add([]byte{0, 0, 0x81, 8, 0, 3, 'a', 'b', 'c', 9, 0, 0, 0, 8, 0, 2, 'x', 'y', 10, 0, 16})
	f.Add([]byte{0, 0, 2, 0, 2, 3, 2, 4, 0, 7, 0, 6, 2, 0, 2, 1, 0, 5, 2, 'h', 'i', 3, 2, 6, 2})
	// Chaos mode (odd first byte): everything, checked for invariants.
	f.Add([]byte{1, 3, 0, 0, 1, 0, 5, 0, 4, 'a', 'b', 'c', 'd', 6, 1, 2, 0, 3, 1, 0, 9, 0, 200, 7, 0})
	f.Add([]byte{1, 3, 1, 3, 0x11, 11, 0, 0x21, 5, 0x21, 0x31, 4, 0x21, 1, 10, 0x10, 0})
	f.Add([]byte{1, 11, 2, 1, 11, 1, 2, 12, 1, 0, 0, 1, 0, 13, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &bytesource{data}
		if s.next()%2 == 0 {
			fuzzModel(t, s)
		} else {
			fuzzChaos(t, s)
		}
	})
}

// mfile is the model of one tmpfs file.
type mfile struct{ data []byte }

// mhandle is the model of one open handle.
type mhandle struct {
	h      int
	f      *mfile
	off    int64
	append bool
}

// fuzzModel runs create/read/write/seek/truncate/unlink/close sequences on
// four names in /tmp and compares every read with a map-based model.
func fuzzModel(t *testing.T, s *bytesource) {
	fs := New()
	paths := []string{"/tmp/a", "/tmp/b", "/tmp/c", "/tmp/d"}
	files := map[string]*mfile{}
	var open []*mhandle
	var closed []int
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after\n\t%s\n%s", strings.Join(log, "\n\t"), fmt.Sprintf(format, args...))
	}
	slot := func() *mhandle {
		if len(open) == 0 {
			return nil
		}
		return open[int(s.next())%len(open)]
	}
	for op := 0; op < 300 && len(s.b) > 0; op++ {
		switch c := s.next(); c % 11 {
		case 0: // Open(O_CREAT|O_RDWR [|O_TRUNC] [|O_APPEND])
			arg := s.next()
			name := paths[arg%4]
			flags := linux.O_CREAT | linux.O_RDWR
			if arg&0x10 != 0 {
				flags |= linux.O_TRUNC
			}
			if arg&0x80 != 0 {
				flags |= linux.O_APPEND
			}
			log = append(log, fmt.Sprintf("Open(%s, %#o)", name, flags))
			h, e := fs.Open(linux.AT_FDCWD, name, flags, 0o644)
			if e != OK || h <= 0 {
				fail("Open(%s, %#o) = %d, %v, want a positive handle, OK", name, flags, h, e)
			}
			for _, o := range open {
				if o.h == h {
					fail("Open(%s) = %d, already open", name, h)
				}
			}
			f := files[name]
			if f == nil {
				f = &mfile{}
				files[name] = f
			}
			if flags&linux.O_TRUNC != 0 {
				f.data = nil
			}
			open = append(open, &mhandle{h: h, f: f, append: flags&linux.O_APPEND != 0})
		case 1, 8: // pwrite, write
			o := slot()
			off := int64(s.next() % 64)
			b := s.take(1 + int(s.next()%16))
			if o == nil || len(b) == 0 {
				continue // zero-length writes: see TestBugEmptyWriteExtends
			}
			if c%11 == 8 {
				off = -1
			}
			log = append(log, fmt.Sprintf("Write(%d, %q, %d)", o.h, b, off))
			n, e := fs.Write(o.h, b, off)
			if n != len(b) || e != OK {
				fail("Write(%d, %d bytes, %d) = %d, %v, want %d, OK", o.h, len(b), off, n, e, len(b))
			}
			pos := off
			if off < 0 {
				pos = o.off
				if o.append {
					pos = int64(len(o.f.data))
				}
			}
			if end := pos + int64(len(b)); end > int64(len(o.f.data)) {
				o.f.data = append(o.f.data, make([]byte, end-int64(len(o.f.data)))...)
			}
			copy(o.f.data[pos:], b)
			if off < 0 {
				o.off = pos + int64(len(b))
			}
		case 2, 9: // pread, read
			o := slot()
			off := int64(s.next() % 80)
			size := int(s.next() % 32)
			if o == nil {
				continue
			}
			if c%11 == 9 {
				off = -1
			}
			log = append(log, fmt.Sprintf("Read(%d, %d, %d)", o.h, size, off))
			b := make([]byte, size)
			n, e := fs.Read(o.h, b, off)
			pos := off
			if off < 0 {
				pos = o.off
			}
			var want []byte
			if pos < int64(len(o.f.data)) {
				want = o.f.data[pos:min(pos+int64(size), int64(len(o.f.data)))]
			}
			if e != OK || !bytes.Equal(b[:n], want) {
				fail("Read(%d, %d, %d) = %q, %v, want %q, OK", o.h, size, off, b[:n], e, want)
			}
			if off < 0 {
				o.off += int64(n)
			}
		case 3: // Unlink
			name := paths[s.next()%4]
			log = append(log, fmt.Sprintf("Unlink(%s)", name))
			want := linux.ENOENT
			if files[name] != nil {
				want = OK
			}
			if e := fs.Unlink(linux.AT_FDCWD, name, 0); e != want {
				fail("Unlink(%s) = %v, want %v", name, e, want)
			}
			delete(files, name)
		case 4: // Close
			if len(open) == 0 {
				continue
			}
			i := int(s.next()) % len(open)
			o := open[i]
			log = append(log, fmt.Sprintf("Close(%d)", o.h))
			if e := fs.Close(o.h); e != OK {
				fail("Close(%d) = %v, want OK", o.h, e)
			}
			open = slices.Delete(open, i, i+1)
			closed = append(closed, o.h)
		case 5: // Truncate
			o := slot()
			size := int64(s.next() % 64)
			if o == nil {
				continue
			}
			log = append(log, fmt.Sprintf("Truncate(%d, %d)", o.h, size))
			if e := fs.Truncate(o.h, size); e != OK {
				fail("Truncate(%d, %d) = %v, want OK", o.h, size, e)
			}
			if size <= int64(len(o.f.data)) {
				o.f.data = o.f.data[:size:size]
			} else {
				o.f.data = append(o.f.data, make([]byte, size-int64(len(o.f.data)))...)
			}
		case 6: // Stat, Fstat
			name := paths[s.next()%4]
			log = append(log, fmt.Sprintf("Stat(%s)", name))
			st, e := statPath(fs, linux.AT_FDCWD, name, 0)
			if f := files[name]; f == nil {
				if e != linux.ENOENT {
					fail("Stat(%s) = %v, want ENOENT", name, e)
				}
			} else if e != OK || st.size != int64(len(f.data)) || st.mode != linux.S_IFREG|0o644 {
				fail("Stat(%s) = size %d mode %#o, %v, want size %d mode %#o, OK", name, st.size, st.mode, e, len(f.data), linux.S_IFREG|0o644)
			}
			if o := slot(); o != nil {
				b := make([]byte, linux.SizeofStat)
				if e := fs.Fstat(o.h, b); e != OK || decodeStat(b).size != int64(len(o.f.data)) {
					fail("Fstat(%d) = size %d, %v, want %d, OK", o.h, decodeStat(b).size, e, len(o.f.data))
				}
			}
		case 7: // a closed handle stays closed
			if len(closed) == 0 {
				continue
			}
			h := closed[int(s.next())%len(closed)]
			log = append(log, fmt.Sprintf("Close(%d) again", h))
			if e := fs.Close(h); e != linux.EBADF {
				fail("Close(%d) of a closed handle = %v, want EBADF", h, e)
			}
			if _, e := fs.Read(h, make([]byte, 1), 0); e != linux.EBADF {
				fail("Read(%d) of a closed handle = %v, want EBADF", h, e)
			}
		case 10: // Seek
			o := slot()
			off := int64(int8(s.next()))
			whence := int(s.next() % 3)
			if o == nil {
				continue
			}
			log = append(log, fmt.Sprintf("Seek(%d, %d, %d)", o.h, off, whence))
			base := []int64{0, o.off, int64(len(o.f.data))}[whence]
			got, e := fs.Seek(o.h, off, whence)
			if base+off < 0 {
				if e != linux.EINVAL {
					fail("Seek(%d, %d, %d) = %d, %v, want EINVAL", o.h, off, whence, got, e)
				}
				continue
			}
			if got != base+off || e != OK {
				fail("Seek(%d, %d, %d) = %d, %v, want %d, OK", o.h, off, whence, got, e, base+off)
			}
			o.off = got
		}
	}
	// Every file reads back as modelled, and the directory lists exactly
	// the modelled names.
	for name, f := range files {
		if got := content(t, fs, name); got != string(f.data) {
			fail("content(%s) = %q, want %q", name, got, f.data)
		}
	}
	want := []string{".", ".."}
	for _, name := range paths {
		if files[name] != nil {
			want = append(want, strings.TrimPrefix(name, "/tmp/"))
		}
	}
	if got := names(readDir(t, fs, "/tmp")); !slices.Equal(got, want) {
		fail("readDir(/tmp) = %q, want %q", got, want)
	}
}

// Path components for the chaos mode, and symlink targets.
var (
	chaosParts   = []string{"a", "b", "l", ".", "..", "c"}
	chaosTargets = []string{"a", "b", "/tmp/a", "..", "/tmp/l", "l", "a/b", "/etc", "/etc/passwd", "missing"}
	chaosFlags   = []int{
		linux.O_RDONLY, linux.O_WRONLY, linux.O_RDWR, linux.O_CREAT | linux.O_RDWR, linux.O_CREAT | linux.O_EXCL | linux.O_WRONLY,
		linux.O_TRUNC | linux.O_RDWR, linux.O_APPEND | linux.O_WRONLY, linux.O_RDONLY | linux.O_DIRECTORY, linux.O_RDONLY | linux.O_NOFOLLOW,
		linux.O_CREAT | linux.O_TRUNC | linux.O_WRONLY | linux.O_NOFOLLOW,
	}
)

var knownErrnos = []linux.Errno{OK, linux.ENOENT, linux.EBADF, linux.EACCES, linux.EEXIST, linux.ENOTDIR, linux.EISDIR, linux.EINVAL, linux.ENOSPC, linux.ELOOP, linux.ENOTEMPTY, linux.ENAMETOOLONG}

// fuzzChaos runs arbitrary operations on paths under /tmp and checks
// invariants that hold whatever the sequence.
func fuzzChaos(t *testing.T, s *bytesource) {
	fs := newStdFS(t)
	if e := fs.Chdir("/tmp"); e != OK {
		t.Fatalf("Chdir(/tmp) = %v", e)
	}
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after\n\t%s\n%s", strings.Join(log, "\n\t"), fmt.Sprintf(format, args...))
	}
	check := func(call string, e linux.Errno) {
		t.Helper()
		log = append(log, fmt.Sprintf("%s = %v", call, e))
		if !slices.Contains(knownErrnos, e) {
			fail("%s = %v, want a known errno", call, e)
		}
	}
	path := func() string {
		b := s.next()
		var parts []string
		for range 1 + int(b>>6)%3 {
			parts = append(parts, chaosParts[int(s.next())%len(chaosParts)])
		}
		p := strings.Join(parts, "/")
		if b&1 == 0 {
			p = "/tmp/" + p
		}
		if b&2 != 0 {
			p += "/"
		}
		return p
	}
	var open []int
	handle := func() int {
		b := s.next()
		if len(open) == 0 || b == 0xff {
			return int(int8(b)) // often invalid
		}
		return open[int(b)%len(open)]
	}
	for op := 0; op < 200 && len(s.b) > 0; op++ {
		switch s.next() % 16 {
		case 0, 1:
			p := path()
			flags := chaosFlags[int(s.next())%len(chaosFlags)]
			h, e := fs.Open(linux.AT_FDCWD, p, flags, 0o644)
			check(fmt.Sprintf("Open(%q, %#o) -> %d", p, flags, h), e)
			if e == OK {
				if h <= 0 || slices.Contains(open, h) {
					fail("Open(%q) = %d, want a positive handle not already open %v", p, h, open)
				}
				open = append(open, h)
			}
		case 2:
			h := handle()
			off := int64(s.next()%64) - 1
			b := s.take(int(s.next() % 16))
			n, e := fs.Write(h, b, off)
			check(fmt.Sprintf("Write(%d, %q, %d)", h, b, off), e)
			if e == OK && n != len(b) || e != OK && n != 0 {
				fail("Write(%d, %d bytes) = %d, %v", h, len(b), n, e)
			}
		case 3:
			h := handle()
			off := int64(s.next()%64) - 1
			b := make([]byte, s.next()%32)
			n, e := fs.Read(h, b, off)
			check(fmt.Sprintf("Read(%d, %d, %d)", h, len(b), off), e)
			if n < 0 || n > len(b) || e != OK && n != 0 {
				fail("Read(%d, %d bytes) = %d, %v", h, len(b), n, e)
			}
		case 4:
			p := path()
			e := fs.Mkdir(linux.AT_FDCWD, p, 0o755)
			check(fmt.Sprintf("Mkdir(%q)", p), e)
			if e == OK {
				if st, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW); e != OK || st.mode != linux.S_IFDIR|0o755 {
					fail("Stat(%q) after Mkdir = %#o, %v, want a directory", p, st.mode, e)
				}
			}
		case 5:
			p := path()
			flags := 0
			if s.next()%2 == 1 {
				flags = linux.AT_REMOVEDIR
			}
			e := fs.Unlink(linux.AT_FDCWD, p, flags)
			check(fmt.Sprintf("Unlink(%q, %#x)", p, flags), e)
			if e == OK {
				if _, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW); e != linux.ENOENT {
					fail("Stat(%q) after Unlink = %v, want ENOENT", p, e)
				}
			}
		case 6:
			o, n := path(), path()
			// Where the renamed node should land: the new parent,
			// resolved before the rename (which may change the path).
			dir, last := splitPath(n)
			ph, pe := fs.Open(linux.AT_FDCWD, dir, linux.O_RDONLY|linux.O_DIRECTORY, 0)
			before, be := statPath(fs, linux.AT_FDCWD, o, linux.AT_SYMLINK_NOFOLLOW)
			e := fs.Rename(linux.AT_FDCWD, o, linux.AT_FDCWD, n)
			check(fmt.Sprintf("Rename(%q, %q)", o, n), e)
			if e == OK && pe == OK && be == OK {
				if after, e := statPath(fs, ph, last, linux.AT_SYMLINK_NOFOLLOW); e != OK || after.ino != before.ino {
					fail("Stat(%q in %q) after Rename(%q, %q) = ino %d, %v, want ino %d, OK", last, dir, o, n, after.ino, e, before.ino)
				}
			}
			if pe == OK {
				fs.Close(ph)
			}
		case 7:
			h := handle()
			off := int64(int8(s.next()))
			whence := int(s.next() % 4)
			got, e := fs.Seek(h, off, whence)
			check(fmt.Sprintf("Seek(%d, %d, %d)", h, off, whence), e)
			if e == OK && got < 0 {
				fail("Seek(%d, %d, %d) = %d, want >= 0", h, off, whence, got)
			}
		case 8:
			h := handle()
			e := fs.Close(h)
			check(fmt.Sprintf("Close(%d)", h), e)
			if e == OK {
				open = slices.DeleteFunc(open, func(x int) bool { return x == h })
			}
		case 9:
			h := handle()
			size := int64(s.next()%64) - 1
			check(fmt.Sprintf("Truncate(%d, %d)", h, size), fs.Truncate(h, size))
		case 10:
			h := handle()
			b := make([]byte, int(s.next()))
			n, e := fs.Getdents(h, b)
			check(fmt.Sprintf("Getdents(%d, %d)", h, len(b)), e)
			if n < 0 || n > len(b) || e != OK && n != 0 {
				fail("Getdents(%d, %d bytes) = %d, %v", h, len(b), n, e)
			}
			decodeDirents(t, b[:n])
		case 11:
			target := chaosTargets[int(s.next())%len(chaosTargets)]
			p := path()
			check(fmt.Sprintf("Symlink(%q, %q)", target, p), fs.Symlink(target, linux.AT_FDCWD, p))
		case 12:
			p := path()
			flags := 0
			if s.next()%2 == 1 {
				flags = linux.AT_SYMLINK_NOFOLLOW
			}
			st, e := statPath(fs, linux.AT_FDCWD, p, flags)
			check(fmt.Sprintf("Stat(%q, %#x)", p, flags), e)
			if e == OK {
				switch st.mode & linux.S_IFMT {
				case linux.S_IFDIR, linux.S_IFREG, linux.S_IFLNK:
				default:
					fail("Stat(%q).mode = %#o, want a dir, file or symlink", p, st.mode)
				}
			}
		case 13:
			p := path()
			target, e := fs.Readlink(linux.AT_FDCWD, p)
			check(fmt.Sprintf("Readlink(%q) -> %q", p, target), e)
			if e == OK && !slices.Contains(chaosTargets, target) {
				fail("Readlink(%q) = %q, not a target we made", p, target)
			}
		case 14:
			p := path()
			e := fs.Chdir(p)
			check(fmt.Sprintf("Chdir(%q)", p), e)
			// (After a removal, Getwd may name another node or none.)
			if wd := fs.Getwd(); !strings.HasPrefix(wd, "/") {
				fail("Getwd() = %q, want an absolute path", wd)
			}
			if e == OK {
				if st, e := statPath(fs, linux.AT_FDCWD, ".", 0); e != OK || st.mode&linux.S_IFMT != linux.S_IFDIR {
					fail("Stat(\".\") after Chdir(%q) = %#o, %v, want a directory", p, st.mode, e)
				}
			}
		case 15:
			h := handle()
			b := make([]byte, linux.SizeofStat)
			check(fmt.Sprintf("Fstat(%d)", h), fs.Fstat(h, b))
		}
	}
	checkTree(t, fs, log)
}

// splitPath splits p into its directory and last component.
func splitPath(p string) (dir, last string) {
	p = strings.TrimRight(p, "/")
	i := strings.LastIndexByte(p, '/')
	switch {
	case i < 0:
		return ".", p
	case i == 0:
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// checkTree walks /tmp: every directory is reached once, names in a listing
// are unique and proper, every listed entry resolves to its d_ino, and a
// directory's st_nlink is 2 plus its subdirectories.
func checkTree(t *testing.T, fs *FS, log []string) {
	t.Helper()
	seen := map[uint64]string{}
	var walk func(dir string)
	walk = func(dir string) {
		ds := readDir(t, fs, dir)
		if len(ds) < 2 || ds[0].name != "." || ds[1].name != ".." {
			t.Fatalf("after\n\t%s\nreadDir(%q) = %q, want . and .. first", strings.Join(log, "\n\t"), dir, names(ds))
		}
		want := uint64(2)
		for _, d := range ds[2:] {
			if d.typ == 4 {
				want++
			}
		}
		if got := mustStat(t, fs, dir, linux.AT_SYMLINK_NOFOLLOW).nlink; got != want {
			t.Fatalf("after\n\t%s\nStat(%q).nlink = %d, want %d", strings.Join(log, "\n\t"), dir, got, want)
		}
		for i, d := range ds[2:] {
			p := dir + "/" + d.name
			if d.name == "" || d.name == "." || d.name == ".." || strings.Contains(d.name, "/") {
				t.Fatalf("after\n\t%s\nreadDir(%q) lists %q", strings.Join(log, "\n\t"), dir, d.name)
			}
			if i > 0 && d.name <= ds[i+1].name {
				t.Fatalf("after\n\t%s\nreadDir(%q) = %q, want sorted unique names", strings.Join(log, "\n\t"), dir, names(ds))
			}
			if other, ok := seen[d.ino]; ok {
				t.Fatalf("after\n\t%s\n%q and %q are the same inode %d", strings.Join(log, "\n\t"), p, other, d.ino)
			}
			seen[d.ino] = p
			st, e := statPath(fs, linux.AT_FDCWD, p, linux.AT_SYMLINK_NOFOLLOW)
			if e != OK || st.ino != d.ino {
				t.Fatalf("after\n\t%s\nStat(%q) = ino %d, %v, want d_ino %d, OK", strings.Join(log, "\n\t"), p, st.ino, e, d.ino)
			}
			if st.mode&linux.S_IFMT == linux.S_IFDIR {
				walk(p)
			}
		}
	}
	walk("/tmp")
}
