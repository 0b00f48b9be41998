package vfs

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"unigo/kernel/abi/linux"
)

// Nothing in the read-only root can be changed, and each refusal leaves it
// as it was.
func TestReadOnlyRoot(t *testing.T) {
	fs := newStdFS(t)
	open := func(path string, flags int) func() linux.Errno {
		return func() linux.Errno {
			h, e := fs.Open(linux.AT_FDCWD, path, flags, 0o644)
			if e == OK {
				fs.Close(h)
			}
			return e
		}
	}
	tests := []struct {
		name string
		op   func() linux.Errno
		want linux.Errno
	}{
		{"open file O_WRONLY", open("/etc/passwd", linux.O_WRONLY), linux.EACCES},
		{"open file O_RDWR", open("/etc/passwd", linux.O_RDWR), linux.EACCES},
		{"open file O_RDONLY|O_TRUNC", open("/etc/passwd", linux.O_RDONLY|linux.O_TRUNC), linux.EACCES},
		{"open file O_WRONLY|O_TRUNC", open("/etc/passwd", linux.O_WRONLY|linux.O_TRUNC), linux.EACCES},
		{"open file O_WRONLY|O_APPEND", open("/etc/passwd", linux.O_WRONLY|linux.O_APPEND), linux.EACCES},
		{"open file O_CREAT|O_WRONLY", open("/etc/passwd", linux.O_CREAT|linux.O_WRONLY), linux.EACCES},
		{"open file O_CREAT|O_RDWR via symlink", open("/etc/motd", linux.O_CREAT|linux.O_RDWR), linux.EACCES},
		{"open file O_CREAT|O_EXCL", open("/etc/passwd", linux.O_CREAT|linux.O_EXCL|linux.O_WRONLY), linux.EEXIST},
		{"open new file O_CREAT in /etc", open("/etc/new", linux.O_CREAT|linux.O_WRONLY), linux.EACCES},
		{"open new file O_CREAT|O_RDONLY in /", open("/new", linux.O_CREAT|linux.O_RDONLY), linux.EACCES},
		{"open new file O_CREAT in implied dir", open("/usr/share/new", linux.O_CREAT|linux.O_RDWR), linux.EACCES},
		// Like Linux (may_open), opening a directory for writing is
		// EISDIR, checked before write permission.
		{"open dir O_WRONLY", open("/etc", linux.O_WRONLY), linux.EISDIR},
		{"open dir O_RDWR", open("/etc", linux.O_RDWR), linux.EISDIR},
		{"open dir O_RDONLY|O_TRUNC", open("/usr", linux.O_RDONLY|linux.O_TRUNC), linux.EISDIR},
		{"open root O_RDWR", open("/", linux.O_RDWR), linux.EISDIR},
		{"open dir O_CREAT|O_EXCL", open("/etc", linux.O_CREAT|linux.O_EXCL|linux.O_RDONLY), linux.EEXIST},
		{"mkdir in /etc", func() linux.Errno { return fs.Mkdir(linux.AT_FDCWD, "/etc/new", 0o755) }, linux.EACCES},
		{"mkdir in /", func() linux.Errno { return fs.Mkdir(linux.AT_FDCWD, "/new", 0o755) }, linux.EACCES},
		{"mkdir existing", func() linux.Errno { return fs.Mkdir(linux.AT_FDCWD, "/etc", 0o755) }, linux.EEXIST},
		{"unlink file", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/etc/passwd", 0) }, linux.EACCES},
		{"unlink symlink", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/lib", 0) }, linux.EACCES},
		{"rmdir empty-able dir", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/usr/share/doc", linux.AT_REMOVEDIR) }, linux.EACCES},
		{"rmdir /tmp", func() linux.Errno { return fs.Unlink(linux.AT_FDCWD, "/tmp", linux.AT_REMOVEDIR) }, linux.EACCES},
		{"rename within /etc", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/etc/passwd", linux.AT_FDCWD, "/etc/passwd2") }, linux.EACCES},
		{"rename root file to /tmp", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/etc/passwd", linux.AT_FDCWD, "/tmp/passwd") }, linux.EACCES},
		{"rename root dir to /tmp", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/usr", linux.AT_FDCWD, "/tmp/usr") }, linux.EACCES},
		{"rename /tmp away", func() linux.Errno { return fs.Rename(linux.AT_FDCWD, "/tmp", linux.AT_FDCWD, "/tmp2") }, linux.EACCES},
		{"symlink in /etc", func() linux.Errno { return fs.Symlink("/x", linux.AT_FDCWD, "/etc/link") }, linux.EACCES},
		{"symlink in /", func() linux.Errno { return fs.Symlink("/x", linux.AT_FDCWD, "/link") }, linux.EACCES},
		{"access write file", func() linux.Errno { return fs.Access(linux.AT_FDCWD, "/etc/passwd", true) }, linux.EACCES},
		{"access write dir", func() linux.Errno { return fs.Access(linux.AT_FDCWD, "/etc", true) }, linux.EACCES},
		// Reading is allowed, and so is O_CREAT without O_EXCL on an
		// existing file opened read-only (Linux: no write, no EROFS).
		{"open file O_RDONLY", open("/etc/passwd", linux.O_RDONLY), OK},
		{"open file O_CREAT|O_RDONLY", open("/etc/passwd", linux.O_CREAT|linux.O_RDONLY), OK},
		{"open dir O_RDONLY|O_DIRECTORY", open("/etc", linux.O_RDONLY|linux.O_DIRECTORY), OK},
		{"access read", func() linux.Errno { return fs.Access(linux.AT_FDCWD, "/etc/passwd", false) }, OK},
	}
	before := snapshot(t, fs, "/")
	for _, tt := range tests {
		if got := tt.op(); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
	if after := snapshot(t, fs, "/"); !slices.Equal(after, before) {
		t.Errorf("root after refused ops:\n%q\nwant unchanged:\n%q", after, before)
	}
}

// A file in /tmp cannot be moved into the root, nor a symlink put there.
func TestReadOnlyRootFromTmp(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "x")
	mustMkdir(t, fs, "/tmp/d")
	tests := []struct {
		old, new string
	}{
		{"/tmp/f", "/etc/f"},
		{"/tmp/f", "/etc/passwd"}, // over a root file
		{"/tmp/d", "/usr/d"},
		{"/tmp/d", "/usr/share/doc"}, // over an empty-able root dir
		{"/tmp/f", "/f"},
	}
	for _, tt := range tests {
		if e := fs.Rename(linux.AT_FDCWD, tt.old, linux.AT_FDCWD, tt.new); e != linux.EACCES {
			t.Errorf("Rename(%q, %q) = %v, want EACCES", tt.old, tt.new, e)
		}
	}
	if got := content(t, fs, "/etc/passwd"); got != "root:x:0:0:root:/root:/bin/sh\n" {
		t.Errorf("content(/etc/passwd) = %q after refused renames", got)
	}
	if got := content(t, fs, "/tmp/f"); got != "x" {
		t.Errorf("content(/tmp/f) = %q after refused renames, want %q", got, "x")
	}
}

// Truncate and Write need a writable handle, which the root never gives.
func TestReadOnlyRootHandles(t *testing.T) {
	fs := newStdFS(t)
	h := mustOpen(t, fs, "/etc/passwd", linux.O_RDONLY)
	if e := fs.Truncate(h, 0); e != linux.EINVAL {
		t.Errorf("Truncate(ro root file, 0) = %v, want EINVAL", e)
	}
	if n, e := fs.Write(h, []byte("x"), -1); n != 0 || e != linux.EBADF {
		t.Errorf("Write(ro root file) = %d, %v, want 0, EBADF", n, e)
	}
	if n, e := fs.Write(h, []byte("x"), 0); n != 0 || e != linux.EBADF {
		t.Errorf("pwrite(ro root file) = %d, %v, want 0, EBADF", n, e)
	}
	if got := content(t, fs, "/etc/passwd"); got != "root:x:0:0:root:/root:/bin/sh\n" {
		t.Errorf("content(/etc/passwd) = %q after refused writes", got)
	}
}

// snapshot lists every path under dir with its mode, size and content.
func snapshot(t *testing.T, fs *FS, dir string) []string {
	t.Helper()
	var out []string
	var rec func(dir string)
	rec = func(dir string) {
		for _, d := range readDir(t, fs, dir)[2:] {
			p := dir + d.name
			if d.name == "" || d.name == "." || d.name == ".." || strings.Contains(d.name, "/") {
				out = append(out, dir+" lists "+strconv.Quote(d.name))
				continue
			}
			st := mustStat(t, fs, p, linux.AT_SYMLINK_NOFOLLOW)
			line := p + " " + modeString(st.mode)
			switch st.mode & linux.S_IFMT {
			case linux.S_IFDIR:
				out = append(out, line)
				rec(p + "/")
				continue
			case linux.S_IFREG:
				line += " " + content(t, fs, p)
			case linux.S_IFLNK:
				target, _ := fs.Readlink(linux.AT_FDCWD, p)
				line += " -> " + target
			}
			out = append(out, line)
		}
	}
	rec(dir)
	return out
}

func modeString(m uint32) string {
	const digits = "01234567"
	b := []byte("0000000")
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[m&7]
		m >>= 3
	}
	return string(b)
}
