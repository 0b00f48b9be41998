package vfs

import (
	"strings"
	"testing"

	"unigo/kernel/abi/linux"
)

func TestATFDCWD(t *testing.T) {
	if linux.AT_FDCWD != -100 {
		t.Errorf("AT_FDCWD = %d, want -100", linux.AT_FDCWD)
	}
}

// Each case resolves path (with Stat) from cwd or a directory handle and
// checks that it reaches the node that the canonical absolute path "want"
// names (compared by inode and mode), or fails with errno e.
func TestLookup(t *testing.T) {
	fs := newStdFS(t)
	mustMkdir(t, fs, "/tmp/a")
	mustMkdir(t, fs, "/tmp/a/b")
	writeFile(t, fs, "/tmp/a/b/f", "f")
	mustSymlink(t, fs, "/tmp/loop2", "/tmp/loop1")
	mustSymlink(t, fs, "loop1", "/tmp/loop2")
	mustSymlink(t, fs, "self", "/tmp/self")
	mustSymlink(t, fs, "b/f", "/tmp/a/tof")     // relative, resolved from /tmp/a
	mustSymlink(t, fs, "../a/b", "/tmp/a/tob")  // relative with ..
	mustSymlink(t, fs, "/tmp/a/tob", "/tmp/ch") // a chain
	mustSymlink(t, fs, "/tmp/ch/f", "/tmp/chf")
	mustSymlink(t, fs, "/tmp/a/b/f/x", "/tmp/badlink") // through a file
	mustSymlink(t, fs, "/tmp/a/b/", "/tmp/slash")      // trailing slash in target
	// A chain of 40 links resolves; 41 is too many (Linux MAXSYMLINKS).
	for i := 1; i <= 41; i++ {
		next := "/tmp/a/b/f"
		if i > 1 {
			next = "c" + itoa(i-1)
		}
		mustSymlink(t, fs, next, "/tmp/c"+itoa(i))
	}
	hUsr := mustOpen(t, fs, "/usr", linux.O_RDONLY|linux.O_DIRECTORY)
	hA := mustOpen(t, fs, "/tmp/a", linux.O_RDONLY|linux.O_DIRECTORY)
	hFile := mustOpen(t, fs, "/etc/passwd", linux.O_RDONLY)
	hClosed := mustOpen(t, fs, "/tmp", linux.O_RDONLY|linux.O_DIRECTORY)
	fs.Close(hClosed)
	name255 := strings.Repeat("x", 255)
	name256 := strings.Repeat("x", 256)

	const nofollow = linux.AT_SYMLINK_NOFOLLOW
	tests := []struct {
		cwd   string // "" means /
		dirh  int    // 0 means AT_FDCWD
		path  string
		flags int
		want  string // canonical path of the expected node
		e     linux.Errno
	}{
		// Absolute paths.
		{"", 0, "/", 0, "/", OK},
		{"", 0, "/etc/passwd", 0, "/etc/passwd", OK},
		{"", 0, "//etc///passwd", 0, "/etc/passwd", OK},
		{"", 0, "/etc/./passwd", 0, "/etc/passwd", OK},
		{"", 0, "/usr/share/../share/doc/readme", 0, "/usr/share/doc/readme", OK},
		{"/usr/share", 0, "/etc/passwd", 0, "/etc/passwd", OK},
		{"", hUsr, "/etc/passwd", 0, "/etc/passwd", OK}, // dirh ignored
		// "..", "/..", "." and trailing slashes.
		{"", 0, "/..", 0, "/", OK},
		{"", 0, "/../..", 0, "/", OK},
		{"", 0, "/../../etc/../etc", 0, "/etc", OK},
		{"", 0, "..", 0, "/", OK},
		{"", 0, ".", 0, "/", OK},
		{"", 0, "/.", 0, "/", OK},
		{"", 0, "/etc/", 0, "/etc", OK},
		{"", 0, "/etc//", 0, "/etc", OK},
		{"", 0, "/etc/.", 0, "/etc", OK},
		{"", 0, "/etc/..", 0, "/", OK},
		{"", 0, "/usr/share/doc/../..", 0, "/usr", OK},
		{"", 0, "/etc/passwd/..", 0, "", linux.ENOTDIR},
		{"", 0, "/etc/passwd/x", 0, "", linux.ENOTDIR},
		{"", 0, "/etc/missing/x", 0, "", linux.ENOENT},
		{"", 0, "/etc/missing", 0, "", linux.ENOENT},
		{"", 0, "", 0, "", linux.ENOENT},
		// Relative to the working directory.
		{"", 0, "etc/passwd", 0, "/etc/passwd", OK},
		{"/etc", 0, "passwd", 0, "/etc/passwd", OK},
		{"/etc", 0, "./passwd", 0, "/etc/passwd", OK},
		{"/etc", 0, ".", 0, "/etc", OK},
		{"/etc", 0, "..", 0, "/", OK},
		{"/etc", 0, "../bin/sh", 0, "/bin/sh", OK},
		{"/usr/share/doc", 0, "../../../../..", 0, "/", OK},
		{"/usr/share/doc", 0, "readme", 0, "/usr/share/doc/readme", OK},
		{"/usr/share/doc", 0, "passwd", 0, "", linux.ENOENT},
		{"/tmp/a", 0, "b/f", 0, "/tmp/a/b/f", OK},
		// Relative to a directory handle; AT_FDCWD is the cwd.
		{"/etc", hUsr, "share/doc/readme", 0, "/usr/share/doc/readme", OK},
		{"/etc", hUsr, ".", 0, "/usr", OK},
		{"/etc", hUsr, "..", 0, "/", OK},
		{"/etc", hUsr, "lib/libc.so", 0, "/usr/lib/libc.so", OK},
		{"/etc", hA, "b/f", 0, "/tmp/a/b/f", OK},
		{"/etc", hA, "passwd", 0, "", linux.ENOENT},
		{"/etc", linux.AT_FDCWD, "passwd", 0, "/etc/passwd", OK},
		{"", 999, "x", 0, "", linux.EBADF},
		{"", -1, "x", 0, "", linux.EBADF},
		{"", hClosed, "x", 0, "", linux.EBADF},
		{"", hFile, "x", 0, "", linux.ENOTDIR},
		// Symlinks: followed in the middle, at the end unless nofollow.
		{"", 0, "/lib", 0, "/usr/lib", OK},
		{"", 0, "/lib", nofollow, "/lib", OK},
		{"", 0, "/lib/libc.so", nofollow, "/usr/lib/libc.so", OK},
		{"", 0, "/lib/.", nofollow, "/usr/lib", OK},
		{"", 0, "/lib/..", 0, "/usr", OK}, // .. of the target, not of the link
		{"", 0, "/etc/motd", 0, "/etc/passwd", OK},
		{"", 0, "/etc/rel", 0, "/bin/sh", OK},
		{"/etc", 0, "rel", 0, "/bin/sh", OK},
		{"", hA, "tof", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/a/tof", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/a/tob/f", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/ch", 0, "/tmp/a/b", OK},
		{"", 0, "/tmp/ch/f", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/chf", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/slash/f", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/c40", 0, "/tmp/a/b/f", OK},
		{"", 0, "/tmp/c41", 0, "", linux.ELOOP},
		{"", 0, "/tmp/c41", nofollow, "/tmp/c41", OK},
		{"", 0, "/etc/dangling", 0, "", linux.ENOENT},
		{"", 0, "/etc/dangling", nofollow, "/etc/dangling", OK},
		{"", 0, "/tmp/badlink", 0, "", linux.ENOTDIR},
		// Loops.
		{"", 0, "/tmp/loop1", 0, "", linux.ELOOP},
		{"", 0, "/tmp/loop2", 0, "", linux.ELOOP},
		{"", 0, "/tmp/self", 0, "", linux.ELOOP},
		{"", 0, "/tmp/loop1/x", 0, "", linux.ELOOP},
		{"", 0, "/tmp/loop1/x", nofollow, "", linux.ELOOP},
		{"", 0, "/tmp/loop1", nofollow, "/tmp/loop1", OK},
		{"/tmp", 0, "self", nofollow, "/tmp/self", OK},
		// Name length: 255 bytes per component.
		{"", 0, "/tmp/" + name255, 0, "", linux.ENOENT},
		{"", 0, "/tmp/" + name256, 0, "", linux.ENAMETOOLONG},
		{"", 0, "/tmp/" + name256 + "/x", 0, "", linux.ENAMETOOLONG},
		{"", 0, "/" + name256 + "/../tmp", 0, "", linux.ENAMETOOLONG},
		{"", 0, "/tmp/" + strings.Repeat("a/", 2000), 0, "", linux.ENOENT},
	}
	for _, tt := range tests {
		cwd := tt.cwd
		if cwd == "" {
			cwd = "/"
		}
		if e := fs.Chdir(cwd); e != OK {
			t.Fatalf("Chdir(%q) = %v, want OK", cwd, e)
		}
		dirh := tt.dirh
		if dirh == 0 {
			dirh = linux.AT_FDCWD
		}
		got, e := statPath(fs, dirh, tt.path, tt.flags)
		if e != tt.e {
			t.Errorf("cwd %s: Stat(%d, %q, %#x) = %v, want %v", cwd, dirh, trunc(tt.path), tt.flags, e, tt.e)
			continue
		}
		if e != OK {
			continue
		}
		want := mustStat(t, fs, tt.want, linux.AT_SYMLINK_NOFOLLOW)
		if got.ino != want.ino || got.mode != want.mode {
			t.Errorf("cwd %s: Stat(%d, %q, %#x) = ino %d mode %#o, want ino %d mode %#o (%s)",
				cwd, dirh, tt.path, tt.flags, got.ino, got.mode, want.ino, want.mode, tt.want)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Open follows symlinks unless O_NOFOLLOW, which refuses a final symlink
// with ELOOP but still follows the ones in the middle.
func TestOpenNofollow(t *testing.T) {
	fs := newStdFS(t)
	tests := []struct {
		path  string
		flags int
		want  string // content, or "" for an error
		e     linux.Errno
	}{
		{"/etc/motd", linux.O_RDONLY, "root:x:0:0:root:/root:/bin/sh\n", OK},
		{"/etc/motd", linux.O_RDONLY | linux.O_NOFOLLOW, "", linux.ELOOP},
		{"/etc/dangling", linux.O_RDONLY | linux.O_NOFOLLOW, "", linux.ELOOP},
		{"/etc/dangling", linux.O_RDONLY, "", linux.ENOENT},
		{"/etc/passwd", linux.O_RDONLY | linux.O_NOFOLLOW, "root:x:0:0:root:/root:/bin/sh\n", OK},
		{"/lib/libc.so", linux.O_RDONLY | linux.O_NOFOLLOW, "ELF", OK},
		{"/lib", linux.O_RDONLY | linux.O_DIRECTORY | linux.O_NOFOLLOW, "", linux.ELOOP},
		{"/lib", linux.O_RDONLY | linux.O_DIRECTORY, "", OK}, // a directory: no content to read
		{"/etc/motd", linux.O_RDONLY | linux.O_DIRECTORY, "", linux.ENOTDIR},
		{"/etc/passwd", linux.O_RDONLY | linux.O_DIRECTORY, "", linux.ENOTDIR},
	}
	for _, tt := range tests {
		h, e := fs.Open(linux.AT_FDCWD, tt.path, tt.flags, 0)
		if e != tt.e {
			t.Errorf("Open(%q, %#o) = %v, want %v", tt.path, tt.flags, e, tt.e)
			continue
		}
		if e != OK || tt.flags&linux.O_DIRECTORY != 0 {
			continue
		}
		if got := readAll(t, fs, h); got != tt.want {
			t.Errorf("Open(%q, %#o) then read = %q, want %q", tt.path, tt.flags, got, tt.want)
		}
	}
}

func TestReadlink(t *testing.T) {
	fs := newStdFS(t)
	mustSymlink(t, fs, "relative/target", "/tmp/l")
	mustSymlink(t, fs, "", "/tmp/empty") // Linux refuses "", but we store it
	mustSymlink(t, fs, "/tmp/l", "/tmp/l2")
	hEtc := mustOpen(t, fs, "/etc", linux.O_RDONLY|linux.O_DIRECTORY)
	tests := []struct {
		dirh int
		path string
		want string
		e    linux.Errno
	}{
		{linux.AT_FDCWD, "/lib", "usr/lib", OK},
		{linux.AT_FDCWD, "/etc/motd", "/etc/passwd", OK},
		{linux.AT_FDCWD, "/tmp/l", "relative/target", OK},
		{linux.AT_FDCWD, "/tmp/l2", "/tmp/l", OK}, // not followed
		{linux.AT_FDCWD, "/tmp/empty", "", OK},
		{hEtc, "rel", "../bin/sh", OK},
		{hEtc, "dangling", "/nonexistent", OK},
		{linux.AT_FDCWD, "/etc/passwd", "", linux.EINVAL},
		{linux.AT_FDCWD, "/etc", "", linux.EINVAL},
		{linux.AT_FDCWD, "/missing", "", linux.ENOENT},
		{linux.AT_FDCWD, "/etc/passwd/x", "", linux.ENOTDIR},
		{999, "x", "", linux.EBADF},
	}
	for _, tt := range tests {
		got, e := fs.Readlink(tt.dirh, tt.path)
		if got != tt.want || e != tt.e {
			t.Errorf("Readlink(%d, %q) = %q, %v, want %q, %v", tt.dirh, tt.path, got, e, tt.want, tt.e)
		}
	}
}

func TestChdirGetwd(t *testing.T) {
	fs := newStdFS(t)
	mustMkdir(t, fs, "/tmp/a")
	mustMkdir(t, fs, "/tmp/a/b")
	mustSymlink(t, fs, "/tmp/a/b", "/tmp/lb")
	tests := []struct {
		path string
		e    linux.Errno
		wd   string // Getwd afterwards
	}{
		{"/", OK, "/"},
		{"/tmp", OK, "/tmp"},
		{"a", OK, "/tmp/a"},
		{"b/", OK, "/tmp/a/b"},
		{"..", OK, "/tmp/a"},
		{"../..", OK, "/"},
		{"..", OK, "/"},
		{"/usr/share/doc", OK, "/usr/share/doc"},
		{"/lib", OK, "/usr/lib"}, // the physical path
		{"/tmp/lb", OK, "/tmp/a/b"},
		{".", OK, "/tmp/a/b"},
		{"/etc/passwd", linux.ENOTDIR, "/tmp/a/b"},
		{"/etc/motd", linux.ENOTDIR, "/tmp/a/b"},
		{"/missing", linux.ENOENT, "/tmp/a/b"},
		{"", linux.ENOENT, "/tmp/a/b"},
		{"/etc/dangling", linux.ENOENT, "/tmp/a/b"},
	}
	for _, tt := range tests {
		if e := fs.Chdir(tt.path); e != tt.e {
			t.Errorf("Chdir(%q) = %v, want %v", tt.path, e, tt.e)
		}
		if got := fs.Getwd(); got != tt.wd {
			t.Errorf("Getwd() after Chdir(%q) = %q, want %q", tt.path, got, tt.wd)
		}
	}

	h := mustOpen(t, fs, "/usr/share", linux.O_RDONLY|linux.O_DIRECTORY)
	hf := mustOpen(t, fs, "/etc/passwd", linux.O_RDONLY)
	fchdir := []struct {
		h  int
		e  linux.Errno
		wd string
	}{
		{h, OK, "/usr/share"},
		{hf, linux.ENOTDIR, "/usr/share"},
		{999, linux.EBADF, "/usr/share"},
	}
	for _, tt := range fchdir {
		if e := fs.Fchdir(tt.h); e != tt.e {
			t.Errorf("Fchdir(%d) = %v, want %v", tt.h, e, tt.e)
		}
		if got := fs.Getwd(); got != tt.wd {
			t.Errorf("Getwd() after Fchdir(%d) = %q, want %q", tt.h, got, tt.wd)
		}
	}
}

// Access checks existence, and writability for the tmpfs only.
func TestAccess(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "")
	mustSymlink(t, fs, "/etc/passwd", "/tmp/toro")
	tests := []struct {
		path  string
		write bool
		e     linux.Errno
	}{
		{"/etc/passwd", false, OK},
		{"/etc/passwd", true, linux.EACCES},
		{"/tmp/f", true, OK},
		{"/tmp", true, OK},
		{"/tmp/toro", true, linux.EACCES},
		{"/tmp/toro", false, OK},
		{"/missing", false, linux.ENOENT},
		{"/etc/dangling", false, linux.ENOENT},
	}
	for _, tt := range tests {
		if e := fs.Access(linux.AT_FDCWD, tt.path, tt.write); e != tt.e {
			t.Errorf("Access(%q, write=%v) = %v, want %v", tt.path, tt.write, e, tt.e)
		}
	}
	if e := fs.Access(12345, "x", false); e != linux.EBADF {
		t.Errorf("Access(bad handle) = %v, want EBADF", e)
	}
}

// Symlink creation in the tmpfs.
func TestSymlinkCreate(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "F")
	tests := []struct {
		target, path string
		e            linux.Errno
	}{
		{"/tmp/f", "/tmp/l", OK},
		{"does/not/exist", "/tmp/dangling", OK},
		{"/tmp/f", "/tmp/f", linux.EEXIST},
		{"/tmp/f", "/tmp/l", linux.EEXIST},
		{"/tmp/f", "/tmp", linux.EEXIST},
		{"/tmp/f", "/tmp/missing/l", linux.ENOENT},
		{"/tmp/f", "/tmp/f/l", linux.ENOTDIR},
		{"/tmp/f", "/etc/l", linux.EACCES},
		{"/tmp/f", "/tmp/" + strings.Repeat("l", 256), linux.ENAMETOOLONG},
	}
	for _, tt := range tests {
		if e := fs.Symlink(tt.target, linux.AT_FDCWD, tt.path); e != tt.e {
			t.Errorf("Symlink(%q, %q) = %v, want %v", tt.target, tt.path, e, tt.e)
		}
	}
	if got := content(t, fs, "/tmp/l"); got != "F" {
		t.Errorf("content(/tmp/l) = %q, want %q", got, "F")
	}
	st := mustStat(t, fs, "/tmp/dangling", linux.AT_SYMLINK_NOFOLLOW)
	if st.mode != linux.S_IFLNK|0o777 || st.size != int64(len("does/not/exist")) {
		t.Errorf("Stat(/tmp/dangling, nofollow) = mode %#o size %d, want mode %#o size %d", st.mode, st.size, linux.S_IFLNK|0o777, len("does/not/exist"))
	}
	h := mustOpen(t, fs, "/tmp", linux.O_RDONLY|linux.O_DIRECTORY)
	if e := fs.Symlink("f", h, "rel"); e != OK {
		t.Errorf("Symlink(f, /tmp handle, rel) = %v, want OK", e)
	}
	if got := content(t, fs, "/tmp/rel"); got != "F" {
		t.Errorf("content(/tmp/rel) = %q, want %q", got, "F")
	}
	if e := fs.Symlink("f", 999, "rel2"); e != linux.EBADF {
		t.Errorf("Symlink(bad handle) = %v, want EBADF", e)
	}
}
