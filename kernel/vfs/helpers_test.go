package vfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/u-root/u-root/pkg/cpio"

	"unigo/kernel/abi/linux"
)

// archive packs recs into a newc archive with u-root's writer.
func archive(t testing.TB, recs ...cpio.Record) string {
	t.Helper()
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	for _, r := range recs {
		if err := w.WriteRecord(r); err != nil {
			t.Fatalf("WriteRecord(%q): %v", r.Name, err)
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		t.Fatalf("WriteTrailer: %v", err)
	}
	return buf.String()
}

// rawRecord builds one newc record by hand, for malformed archives:
// namesize is len(name)+1 unless overridden (>= 0), and likewise size.
func rawRecord(name string, mode uint32, data string, namesize, size int) string {
	if namesize < 0 {
		namesize = len(name) + 1
	}
	if size < 0 {
		size = len(data)
	}
	var b strings.Builder
	b.WriteString("070701")
	for _, f := range []int{1, int(mode), 0, 0, 1, 0, size, 0, 0, 0, 0, namesize, 0} {
		fmt.Fprintf(&b, "%08X", f)
	}
	b.WriteString(name)
	b.WriteByte(0)
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
	b.WriteString(data)
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
	return b.String()
}

var trailer = rawRecord("TRAILER!!!", 0, "", -1, -1)

// Content of the standard test root.
var (
	bigContent = strings.Repeat("0123456789abcdef", 640) + "tail" // 10244 bytes
	mtime      = time.Unix(1700000000, 0)
)

// stdRecords is the standard test root: explicit and implied directories,
// files of several sizes and modes, symlinks (relative, absolute, to a
// directory, dangling), and a read-only "tmp" that /tmp must override.
func stdRecords() []cpio.Record {
	withMtime := cpio.StaticFile("etc/hostname", "unigo\n", 0o644)
	withMtime.MTime = uint64(mtime.Unix())
	return []cpio.Record{
		cpio.Directory("etc", 0o750),
		cpio.StaticFile("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644),
		cpio.StaticFile("etc/shadow", "root:*:1::::::\n", 0o600),
		cpio.StaticFile("etc/empty", "", 0o644),
		withMtime,
		cpio.Symlink("etc/motd", "/etc/passwd"),
		cpio.Symlink("etc/rel", "../bin/sh"),
		cpio.Symlink("etc/dangling", "/nonexistent"),
		cpio.StaticFile("bin/sh", "#!shell\n", 0o755), // bin is implied
		cpio.StaticFile("usr/share/doc/readme", "read me\n", 0o444),
		cpio.Directory("usr/lib", 0o700),
		cpio.StaticFile("usr/lib/libc.so", "ELF", 0o755),
		cpio.Symlink("lib", "usr/lib"),
		cpio.StaticFile("data/big", bigContent, 0o644),
		cpio.Directory("tmp", 0o555),
	}
}

// newStdFS returns a file system loaded with stdRecords.
func newStdFS(t testing.TB) *FS {
	t.Helper()
	fs := New()
	if err := fs.LoadCpio(archive(t, stdRecords()...)); err != nil {
		t.Fatalf("LoadCpio(std) = %v, want nil", err)
	}
	return fs
}

// stat is a decoded x86-64 struct stat.
type stat struct {
	dev, ino, nlink uint64
	mode            uint32
	uid, gid        uint32
	rdev            uint64
	size            int64
	blksize         int64
	blocks          int64
	atime, mtime    time.Time
	ctime           time.Time
}

func decodeStat(b []byte) stat {
	le := binary.LittleEndian
	ts := func(off int) time.Time {
		return time.Unix(int64(le.Uint64(b[off:])), int64(le.Uint64(b[off+8:])))
	}
	return stat{
		dev:     le.Uint64(b[0:]),
		ino:     le.Uint64(b[8:]),
		nlink:   le.Uint64(b[16:]),
		mode:    le.Uint32(b[24:]),
		uid:     le.Uint32(b[28:]),
		gid:     le.Uint32(b[32:]),
		rdev:    le.Uint64(b[40:]),
		size:    int64(le.Uint64(b[48:])),
		blksize: int64(le.Uint64(b[56:])),
		blocks:  int64(le.Uint64(b[64:])),
		atime:   ts(72),
		mtime:   ts(88),
		ctime:   ts(104),
	}
}

func statPath(fs *FS, dirh int, path string, flags int) (stat, linux.Errno) {
	b := make([]byte, linux.SizeofStat)
	if e := fs.Stat(dirh, path, flags, b); e != OK {
		return stat{}, e
	}
	return decodeStat(b), OK
}

func mustStat(t testing.TB, fs *FS, path string, flags int) stat {
	t.Helper()
	st, e := statPath(fs, linux.AT_FDCWD, path, flags)
	if e != OK {
		t.Fatalf("Stat(%q, %#x) = %v, want OK", path, flags, e)
	}
	return st
}

func mustOpen(t testing.TB, fs *FS, path string, flags int) int {
	t.Helper()
	h, e := fs.Open(linux.AT_FDCWD, path, flags, 0o644)
	if e != OK {
		t.Fatalf("Open(%q, %#o) = %v, want OK", path, flags, e)
	}
	if h <= 0 {
		t.Fatalf("Open(%q, %#o) = handle %d, want > 0", path, flags, h)
	}
	return h
}

// readAll reads h from its offset to EOF, in small chunks.
func readAll(t testing.TB, fs *FS, h int) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 777)
	for {
		n, e := fs.Read(h, buf, -1)
		if e != OK {
			t.Fatalf("Read(%d) = %v, want OK", h, e)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// content opens path read-only and returns its whole content.
func content(t testing.TB, fs *FS, path string) string {
	t.Helper()
	h := mustOpen(t, fs, path, linux.O_RDONLY)
	defer fs.Close(h)
	return readAll(t, fs, h)
}

// writeFile creates (or truncates) path and writes s to it.
func writeFile(t testing.TB, fs *FS, path, s string) {
	t.Helper()
	h := mustOpen(t, fs, path, linux.O_CREAT|linux.O_TRUNC|linux.O_WRONLY)
	defer fs.Close(h)
	if n, e := fs.Write(h, []byte(s), -1); n != len(s) || e != OK {
		t.Fatalf("Write(%q, %d bytes) = %d, %v, want %d, OK", path, len(s), n, e, len(s))
	}
}

func mustMkdir(t testing.TB, fs *FS, path string) {
	t.Helper()
	if e := fs.Mkdir(linux.AT_FDCWD, path, 0o755); e != OK {
		t.Fatalf("Mkdir(%q) = %v, want OK", path, e)
	}
}

func mustSymlink(t testing.TB, fs *FS, target, path string) {
	t.Helper()
	if e := fs.Symlink(target, linux.AT_FDCWD, path); e != OK {
		t.Fatalf("Symlink(%q, %q) = %v, want OK", target, path, e)
	}
}

// dirent is one decoded linux_dirent64.
type dirent struct {
	ino  uint64
	off  int64
	typ  uint8
	name string
}

// decodeDirents parses the records Getdents wrote, checking their framing.
func decodeDirents(t testing.TB, b []byte) []dirent {
	t.Helper()
	var out []dirent
	for len(b) > 0 {
		if len(b) < 20 {
			t.Fatalf("dirent: %d trailing bytes, want a whole record", len(b))
		}
		reclen := int(binary.LittleEndian.Uint16(b[16:]))
		if reclen < 20 || reclen%8 != 0 || reclen > len(b) {
			t.Fatalf("dirent: d_reclen = %d (with %d bytes left), want a multiple of 8 in [24, %d]", reclen, len(b), len(b))
		}
		name := b[19:reclen]
		i := bytes.IndexByte(name, 0)
		if i < 0 {
			t.Fatalf("dirent: name %q not NUL-terminated within d_reclen %d", name, reclen)
		}
		// (TestGetdentsBuffers checks that d_reclen is the minimum.)
		out = append(out, dirent{
			ino:  binary.LittleEndian.Uint64(b[0:]),
			off:  int64(binary.LittleEndian.Uint64(b[8:])),
			typ:  b[18],
			name: string(name[:i]),
		})
		b = b[reclen:]
	}
	return out
}

// readDirHandle lists the directory handle h with Getdents buffers of bufLen bytes.
func readDirHandle(t testing.TB, fs *FS, h, bufLen int) []dirent {
	t.Helper()
	var out []dirent
	buf := make([]byte, bufLen)
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatalf("Getdents(%d) did not reach the end after %d calls", h, i)
		}
		n, e := fs.Getdents(h, buf)
		if e != OK {
			t.Fatalf("Getdents(%d, %d bytes) = %d, %v, want OK", h, bufLen, n, e)
		}
		if n < 0 || n > bufLen {
			t.Fatalf("Getdents(%d, %d bytes) = %d, want in [0, %d]", h, bufLen, n, bufLen)
		}
		if n == 0 {
			return out
		}
		out = append(out, decodeDirents(t, buf[:n])...)
	}
}

// readDir lists path.
func readDir(t testing.TB, fs *FS, path string) []dirent {
	t.Helper()
	h := mustOpen(t, fs, path, linux.O_RDONLY|linux.O_DIRECTORY)
	defer fs.Close(h)
	return readDirHandle(t, fs, h, 4096)
}

func names(ds []dirent) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.name
	}
	return out
}
