package vfs

import (
	"errors"
	iofs "io/fs"
	"slices"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"unigo/kernel/abi/linux"
)

// countingFS counts the listings and reads a mount asks of its source.
type countingFS struct {
	fstest.MapFS
	readDirs, readFiles int
	fail                error // returned by every call when set
}

func (c *countingFS) ReadDir(name string) ([]iofs.DirEntry, error) {
	c.readDirs++
	if c.fail != nil {
		return nil, c.fail
	}
	return c.MapFS.ReadDir(name)
}

func (c *countingFS) ReadFile(name string) ([]byte, error) {
	c.readFiles++
	if c.fail != nil {
		return nil, c.fail
	}
	return c.MapFS.ReadFile(name)
}

func shareFS() *countingFS {
	mt := time.Unix(1700000000, 0)
	return &countingFS{MapFS: fstest.MapFS{
		"src/all.bat":      {Data: []byte("@echo off\r\n"), Mode: 0o644, ModTime: mt},
		"src/a/b/deep.txt": {Data: []byte("deep"), Mode: 0o600, ModTime: mt},
		"VERSION":          {Data: []byte("go1.26"), Mode: 0o644, ModTime: mt},
		"link":             {Data: []byte("src/all.bat"), Mode: iofs.ModeSymlink | 0o777},
		"empty":            {Mode: iofs.ModeDir | 0o755},
	}}
}

func TestMountReadsOnDemand(t *testing.T) {
	fs := New()
	src := shareFS()
	if err := fs.Mount("/usr/local/go", src); err != nil {
		t.Fatalf("Mount = %v, want nil", err)
	}
	if src.readDirs != 0 || src.readFiles != 0 {
		t.Fatalf("Mount listed %d dirs and read %d files, want none before use", src.readDirs, src.readFiles)
	}
	if got := content(t, fs, "/usr/local/go/src/all.bat"); got != "@echo off\r\n" {
		t.Errorf("content(all.bat) = %q, want the share's bytes", got)
	}
	if src.readDirs != 2 || src.readFiles != 1 {
		t.Errorf("after one open: %d listings, %d reads; want 2 (root, src) and 1", src.readDirs, src.readFiles)
	}
	st := mustStat(t, fs, "/usr/local/go/src/a/b/deep.txt", 0)
	if st.mode != linux.S_IFREG|0o600 || st.size != 4 || st.mtime.Unix() != 1700000000 {
		t.Errorf("stat(deep.txt) = mode %o size %d mtime %d, want %o 4 1700000000", st.mode, st.size, st.mtime.Unix(), linux.S_IFREG|0o600)
	}
	if src.readFiles != 1 {
		t.Errorf("stat read the file: %d reads, want 1", src.readFiles)
	}
	if got := content(t, fs, "/usr/local/go/link"); got != "@echo off\r\n" {
		t.Errorf("content(link) = %q, want the symlink's target", got)
	}
	if got := names(readDir(t, fs, "/usr/local/go")); !slices.Equal(got, []string{".", "..", "VERSION", "empty", "link", "src"}) {
		t.Errorf("readDir(share) = %v", got)
	}
	if got := names(readDir(t, fs, "/usr/local/go/empty")); !slices.Equal(got, []string{".", ".."}) {
		t.Errorf("readDir(empty) = %v", got)
	}
	if got := names(readDir(t, fs, "/usr/local")); !slices.Equal(got, []string{".", "..", "go"}) {
		t.Errorf("readDir(/usr/local) = %v, want the mount point", got)
	}
}

func TestMountIsReadOnly(t *testing.T) {
	fs := New()
	if err := fs.Mount("/share", shareFS()); err != nil {
		t.Fatal(err)
	}
	if _, e := fs.Open(linux.AT_FDCWD, "/share/VERSION", linux.O_WRONLY, 0); e != linux.EACCES {
		t.Errorf("Open(VERSION, O_WRONLY) = %v, want EACCES", e)
	}
	if _, e := fs.Open(linux.AT_FDCWD, "/share/new", linux.O_CREAT|linux.O_WRONLY, 0o644); e != linux.EACCES {
		t.Errorf("Open(new, O_CREAT) = %v, want EACCES", e)
	}
	if e := fs.Mkdir(linux.AT_FDCWD, "/share/d", 0o755); e != linux.EACCES {
		t.Errorf("Mkdir(share/d) = %v, want EACCES", e)
	}
	if e := fs.Unlink(linux.AT_FDCWD, "/share/VERSION", 0); e != linux.EACCES {
		t.Errorf("Unlink(VERSION) = %v, want EACCES", e)
	}
	if _, e := statPath(fs, linux.AT_FDCWD, "/share/nope", 0); e != linux.ENOENT {
		t.Errorf("stat(nope) = %v, want ENOENT", e)
	}
}

func TestMountErrors(t *testing.T) {
	fs := New()
	src := shareFS()
	if err := fs.Mount("/share", src); err != nil {
		t.Fatal(err)
	}
	src.fail = syscall.EIO
	if _, e := statPath(fs, linux.AT_FDCWD, "/share/VERSION", 0); e != linux.EIO {
		t.Errorf("stat with a failing share = %v, want EIO", e)
	}
	src.fail = iofs.ErrPermission
	if _, e := statPath(fs, linux.AT_FDCWD, "/share/VERSION", 0); e != linux.EACCES {
		t.Errorf("stat with a share refusing = %v, want EACCES", e)
	}
	src.fail = errors.New("transport broke")
	if _, e := statPath(fs, linux.AT_FDCWD, "/share/VERSION", 0); e != linux.EIO {
		t.Errorf("stat with a broken share = %v, want EIO", e)
	}
	src.fail = nil
	if _, e := statPath(fs, linux.AT_FDCWD, "/share/VERSION", 0); e != OK {
		t.Errorf("stat after the share recovered = %v, want OK", e)
	}
	for _, at := range []string{"/", "/tmp", "/tmp/x"} {
		if err := fs.Mount(at, src); err == nil {
			t.Errorf("Mount(%q) = nil, want an error", at)
		}
	}
	fs.AddFile("/etc/hosts", []byte("x"))
	if err := fs.Mount("/etc/hosts", src); err == nil {
		t.Errorf("Mount over a file = nil, want an error")
	}
}

// A mounted directory's st_nlink is 1, Linux's "subdirectories not
// counted" (as btrfs reports; find(1) and fts(3) then do not use it), so
// stat needs no listing and cannot fail on an unreadable directory. The
// directories outside the mount count the mount point as usual.
func TestMountDirNlink(t *testing.T) {
	fs := New()
	src := shareFS()
	if err := fs.Mount("/usr/local/go", src); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/usr/local/go", "/usr/local/go/src", "/usr/local/go/empty"} {
		if got := mustStat(t, fs, p, 0).nlink; got != 1 {
			t.Errorf("Stat(%q).nlink = %d, want 1", p, got)
		}
	}
	if got := mustStat(t, fs, "/usr/local/go/VERSION", 0).nlink; got != 1 {
		t.Errorf("Stat(VERSION).nlink = %d, want 1", got)
	}
	if src.readDirs != 1 {
		t.Errorf("stat listed %d directories, want 1 (the share's root, to look names up)", src.readDirs)
	}
	readDir(t, fs, "/usr/local/go/src")
	if got := mustStat(t, fs, "/usr/local/go/src", 0).nlink; got != 1 {
		t.Errorf("Stat(src).nlink after listing = %d, want 1 still", got)
	}
	if got := mustStat(t, fs, "/usr/local", 0).nlink; got != 3 {
		t.Errorf("Stat(/usr/local).nlink = %d, want 3 (the mount point is a subdirectory)", got)
	}
}
