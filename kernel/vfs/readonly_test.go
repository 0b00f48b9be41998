package vfs

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Nothing in the read-only root can be changed, and each refusal leaves it
// as it was.
func TestReadOnlyRoot(t *testing.T) {
	fs := newStdFS(t)
	open := func(path string, flags int) func() Errno {
		return func() Errno {
			h, e := fs.Open(AT_FDCWD, path, flags, 0o644)
			if e == OK {
				fs.Close(h)
			}
			return e
		}
	}
	tests := []struct {
		name string
		op   func() Errno
		want Errno
	}{
		{"open file O_WRONLY", open("/etc/passwd", O_WRONLY), EACCES},
		{"open file O_RDWR", open("/etc/passwd", O_RDWR), EACCES},
		{"open file O_RDONLY|O_TRUNC", open("/etc/passwd", O_RDONLY|O_TRUNC), EACCES},
		{"open file O_WRONLY|O_TRUNC", open("/etc/passwd", O_WRONLY|O_TRUNC), EACCES},
		{"open file O_WRONLY|O_APPEND", open("/etc/passwd", O_WRONLY|O_APPEND), EACCES},
		{"open file O_CREAT|O_WRONLY", open("/etc/passwd", O_CREAT|O_WRONLY), EACCES},
		{"open file O_CREAT|O_RDWR via symlink", open("/etc/motd", O_CREAT|O_RDWR), EACCES},
		{"open file O_CREAT|O_EXCL", open("/etc/passwd", O_CREAT|O_EXCL|O_WRONLY), EEXIST},
		{"open new file O_CREAT in /etc", open("/etc/new", O_CREAT|O_WRONLY), EACCES},
		{"open new file O_CREAT|O_RDONLY in /", open("/new", O_CREAT|O_RDONLY), EACCES},
		{"open new file O_CREAT in implied dir", open("/usr/share/new", O_CREAT|O_RDWR), EACCES},
		// Like Linux (may_open), opening a directory for writing is
		// EISDIR, checked before write permission.
		{"open dir O_WRONLY", open("/etc", O_WRONLY), EISDIR},
		{"open dir O_RDWR", open("/etc", O_RDWR), EISDIR},
		{"open dir O_RDONLY|O_TRUNC", open("/usr", O_RDONLY|O_TRUNC), EISDIR},
		{"open root O_RDWR", open("/", O_RDWR), EISDIR},
		{"open dir O_CREAT|O_EXCL", open("/etc", O_CREAT|O_EXCL|O_RDONLY), EEXIST},
		{"mkdir in /etc", func() Errno { return fs.Mkdir(AT_FDCWD, "/etc/new", 0o755) }, EACCES},
		{"mkdir in /", func() Errno { return fs.Mkdir(AT_FDCWD, "/new", 0o755) }, EACCES},
		{"mkdir existing", func() Errno { return fs.Mkdir(AT_FDCWD, "/etc", 0o755) }, EEXIST},
		{"unlink file", func() Errno { return fs.Unlink(AT_FDCWD, "/etc/passwd", 0) }, EACCES},
		{"unlink symlink", func() Errno { return fs.Unlink(AT_FDCWD, "/lib", 0) }, EACCES},
		{"rmdir empty-able dir", func() Errno { return fs.Unlink(AT_FDCWD, "/usr/share/doc", AT_REMOVEDIR) }, EACCES},
		{"rmdir /tmp", func() Errno { return fs.Unlink(AT_FDCWD, "/tmp", AT_REMOVEDIR) }, EACCES},
		{"rename within /etc", func() Errno { return fs.Rename(AT_FDCWD, "/etc/passwd", AT_FDCWD, "/etc/passwd2") }, EACCES},
		{"rename root file to /tmp", func() Errno { return fs.Rename(AT_FDCWD, "/etc/passwd", AT_FDCWD, "/tmp/passwd") }, EACCES},
		{"rename root dir to /tmp", func() Errno { return fs.Rename(AT_FDCWD, "/usr", AT_FDCWD, "/tmp/usr") }, EACCES},
		{"rename /tmp away", func() Errno { return fs.Rename(AT_FDCWD, "/tmp", AT_FDCWD, "/tmp2") }, EACCES},
		{"symlink in /etc", func() Errno { return fs.Symlink("/x", AT_FDCWD, "/etc/link") }, EACCES},
		{"symlink in /", func() Errno { return fs.Symlink("/x", AT_FDCWD, "/link") }, EACCES},
		{"access write file", func() Errno { return fs.Access(AT_FDCWD, "/etc/passwd", true) }, EACCES},
		{"access write dir", func() Errno { return fs.Access(AT_FDCWD, "/etc", true) }, EACCES},
		// Reading is allowed, and so is O_CREAT without O_EXCL on an
		// existing file opened read-only (Linux: no write, no EROFS).
		{"open file O_RDONLY", open("/etc/passwd", O_RDONLY), OK},
		{"open file O_CREAT|O_RDONLY", open("/etc/passwd", O_CREAT|O_RDONLY), OK},
		{"open dir O_RDONLY|O_DIRECTORY", open("/etc", O_RDONLY|O_DIRECTORY), OK},
		{"access read", func() Errno { return fs.Access(AT_FDCWD, "/etc/passwd", false) }, OK},
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
		if e := fs.Rename(AT_FDCWD, tt.old, AT_FDCWD, tt.new); e != EACCES {
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
	h := mustOpen(t, fs, "/etc/passwd", O_RDONLY)
	if e := fs.Truncate(h, 0); e != EINVAL {
		t.Errorf("Truncate(ro root file, 0) = %v, want EINVAL", e)
	}
	if n, e := fs.Write(h, []byte("x"), -1); n != 0 || e != EBADF {
		t.Errorf("Write(ro root file) = %d, %v, want 0, EBADF", n, e)
	}
	if n, e := fs.Write(h, []byte("x"), 0); n != 0 || e != EBADF {
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
			st := mustStat(t, fs, p, AT_SYMLINK_NOFOLLOW)
			line := p + " " + modeString(st.mode)
			switch st.mode & S_IFMT {
			case S_IFDIR:
				out = append(out, line)
				rec(p + "/")
				continue
			case S_IFREG:
				line += " " + content(t, fs, p)
			case S_IFLNK:
				target, _ := fs.Readlink(AT_FDCWD, p)
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
