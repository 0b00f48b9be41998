package vfs

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"unigo/kernel/abi/linux"
)

func TestHandles(t *testing.T) {
	fs := newStdFS(t)
	writeFile(t, fs, "/tmp/f", "data")
	rd := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
	wr := mustOpen(t, fs, "/tmp/f", linux.O_WRONLY)
	rw := mustOpen(t, fs, "/tmp/f", linux.O_RDWR)
	dir := mustOpen(t, fs, "/tmp", linux.O_RDONLY|linux.O_DIRECTORY)
	dirNoFlag := mustOpen(t, fs, "/etc", linux.O_RDONLY) // O_DIRECTORY is not needed
	closed := mustOpen(t, fs, "/tmp/f", linux.O_RDWR)
	if e := fs.Close(closed); e != OK {
		t.Fatalf("Close(%d) = %v, want OK", closed, e)
	}
	buf := make([]byte, 8)
	sb := make([]byte, linux.SizeofStat)
	read := func(h int) linux.Errno { _, e := fs.Read(h, buf, -1); return e }
	pread := func(h int) linux.Errno { _, e := fs.Read(h, buf, 0); return e }
	write := func(h int) linux.Errno { _, e := fs.Write(h, []byte("x"), -1); return e }
	pwrite := func(h int) linux.Errno { _, e := fs.Write(h, []byte("x"), 0); return e }
	seek := func(h int) linux.Errno { _, e := fs.Seek(h, 0, linux.SEEK_CUR); return e }
	getdents := func(h int) linux.Errno { _, e := fs.Getdents(h, make([]byte, 1024)); return e }
	tests := []struct {
		name string
		op   func(int) linux.Errno
		h    int
		want linux.Errno
	}{
		{"Read O_RDONLY", read, rd, OK},
		{"Read O_RDWR", read, rw, OK},
		{"Read O_WRONLY", read, wr, linux.EBADF},
		{"pread O_WRONLY", pread, wr, linux.EBADF},
		{"Read dir", read, dir, linux.EISDIR},
		{"pread dir", pread, dir, linux.EISDIR},
		{"Read dir without O_DIRECTORY", read, dirNoFlag, linux.EISDIR},
		{"Write O_WRONLY", write, wr, OK},
		{"Write O_RDWR", write, rw, OK},
		{"Write O_RDONLY", write, rd, linux.EBADF},
		{"pwrite O_RDONLY", pwrite, rd, linux.EBADF},
		{"Write dir", write, dir, linux.EBADF},
		{"Truncate O_RDONLY", func(h int) linux.Errno { return fs.Truncate(h, 0) }, rd, linux.EINVAL},
		{"Getdents file", getdents, rd, linux.ENOTDIR},
		{"Getdents dir", getdents, dirNoFlag, OK},
		{"Fchdir file", fs.Fchdir, rd, linux.ENOTDIR},
		{"Seek dir", seek, dir, OK},
		// Every handle operation on a closed or never-opened handle.
		{"Read closed", read, closed, linux.EBADF},
		{"Write closed", write, closed, linux.EBADF},
		{"Seek closed", seek, closed, linux.EBADF},
		{"Truncate closed", func(h int) linux.Errno { return fs.Truncate(h, 0) }, closed, linux.EBADF},
		{"Fstat closed", func(h int) linux.Errno { return fs.Fstat(h, sb) }, closed, linux.EBADF},
		{"Getdents closed", getdents, closed, linux.EBADF},
		{"Fchdir closed", fs.Fchdir, closed, linux.EBADF},
		{"Close closed", fs.Close, closed, linux.EBADF},
		{"Read 0", read, 0, linux.EBADF},
		{"Read -1", read, -1, linux.EBADF},
		{"Close AT_FDCWD", fs.Close, linux.AT_FDCWD, linux.EBADF},
		{"Fstat AT_FDCWD", func(h int) linux.Errno { return fs.Fstat(h, sb) }, linux.AT_FDCWD, linux.EBADF},
		{"Getdents AT_FDCWD", getdents, linux.AT_FDCWD, linux.EBADF},
		{"Close 1<<30", fs.Close, 1 << 30, linux.EBADF},
	}
	for _, tt := range tests {
		if got := tt.op(tt.h); got != tt.want {
			t.Errorf("%s: handle %d = %v, want %v", tt.name, tt.h, got, tt.want)
		}
	}
	// Close works once.
	for _, h := range []int{rd, wr, rw, dir, dirNoFlag} {
		if e := fs.Close(h); e != OK {
			t.Errorf("Close(%d) = %v, want OK", h, e)
		}
		if e := fs.Close(h); e != linux.EBADF {
			t.Errorf("Close(%d) twice = %v, want EBADF", h, e)
		}
	}
}

// Handles are positive, distinct among open handles, and each has its own
// offset.
func TestHandlesDistinct(t *testing.T) {
	fs := New()
	writeFile(t, fs, "/tmp/f", "0123456789")
	open := map[int]bool{}
	for i := range 100 {
		h := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
		if open[h] {
			t.Fatalf("Open #%d = %d, already open", i, h)
		}
		open[h] = true
		if i%3 == 0 {
			fs.Close(h)
			delete(open, h)
		}
	}
	a := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
	b := mustOpen(t, fs, "/tmp/f", linux.O_RDONLY)
	bufA, bufB := make([]byte, 3), make([]byte, 5)
	fs.Read(a, bufA, -1)
	fs.Read(b, bufB, -1)
	fs.Read(a, bufA, -1)
	if string(bufA) != "345" || string(bufB) != "01234" {
		t.Errorf("interleaved reads = %q, %q, want %q, %q", bufA, bufB, "345", "01234")
	}
}

// Seek on a directory handle: to 0 restarts the listing.
func TestDirSeek(t *testing.T) {
	fs := newStdFS(t)
	h := mustOpen(t, fs, "/etc", linux.O_RDONLY|linux.O_DIRECTORY)
	first := names(readDirHandle(t, fs, h, 64))
	if n, e := fs.Getdents(h, make([]byte, 4096)); n != 0 || e != OK {
		t.Errorf("Getdents at end = %d, %v, want 0, OK", n, e)
	}
	if off, e := fs.Seek(h, 0, linux.SEEK_SET); off != 0 || e != OK {
		t.Fatalf("Seek(dir, 0, SeekSet) = %d, %v, want 0, OK", off, e)
	}
	if again := names(readDirHandle(t, fs, h, 64)); !slices.Equal(again, first) {
		t.Errorf("listing after Seek(0) = %q, want %q", again, first)
	}
	// Half way through, too.
	if off, e := fs.Seek(h, 0, linux.SEEK_SET); off != 0 || e != OK {
		t.Fatalf("Seek(dir, 0, SeekSet) = %d, %v, want 0, OK", off, e)
	}
	b := make([]byte, 64)
	n, _ := fs.Getdents(h, b)
	part := names(decodeDirents(t, b[:n]))
	fs.Seek(h, 0, linux.SEEK_SET)
	if again := names(readDirHandle(t, fs, h, 64)); !slices.Equal(again, first) {
		t.Errorf("listing after %q then Seek(0) = %q, want %q", part, again, first)
	}
}

// Goroutines create, write and read their own files under /tmp while
// others list /tmp and stat the shared root. Run with -race.
func TestConcurrent(t *testing.T) {
	fs := newStdFS(t)
	const workers, files = 8, 40
	var wg sync.WaitGroup
	handles := make(chan int, workers*files*2)
	for w := range workers {
		wg.Go(func() {
			dir := fmt.Sprintf("/tmp/w%d", w)
			if e := fs.Mkdir(linux.AT_FDCWD, dir, 0o755); e != OK {
				t.Errorf("Mkdir(%q) = %v, want OK", dir, e)
				return
			}
			dh, e := fs.Open(linux.AT_FDCWD, dir, linux.O_RDONLY|linux.O_DIRECTORY, 0)
			if e != OK {
				t.Errorf("Open(%q) = %v, want OK", dir, e)
				return
			}
			handles <- dh
			for i := range files {
				name := fmt.Sprintf("f%02d", i)
				want := fmt.Sprintf("worker %d file %d", w, i)
				h, e := fs.Open(dh, name, linux.O_CREAT|linux.O_EXCL|linux.O_RDWR, 0o600)
				if e != OK {
					t.Errorf("Open(%s/%s) = %v, want OK", dir, name, e)
					return
				}
				handles <- h
				if n, e := fs.Write(h, []byte(want[:5]), -1); n != 5 || e != OK {
					t.Errorf("Write(%s/%s) = %d, %v, want 5, OK", dir, name, n, e)
				}
				if n, e := fs.Write(h, []byte(want[5:]), 5); n != len(want)-5 || e != OK {
					t.Errorf("pwrite(%s/%s) = %d, %v, want %d, OK", dir, name, n, e, len(want)-5)
				}
				b := make([]byte, 64)
				if n, e := fs.Read(h, b, 0); string(b[:n]) != want || e != OK {
					t.Errorf("pread(%s/%s) = %q, %v, want %q, OK", dir, name, b[:n], e, want)
				}
				sb := make([]byte, linux.SizeofStat)
				if e := fs.Fstat(h, sb); e != OK || decodeStat(sb).size != int64(len(want)) {
					t.Errorf("Fstat(%s/%s) = size %d, %v, want %d, OK", dir, name, decodeStat(sb).size, e, len(want))
				}
				if i%2 == 0 {
					fs.Close(h)
				}
				if i%5 == 4 {
					if e := fs.Rename(dh, name, dh, name+".old"); e != OK {
						t.Errorf("Rename(%s/%s) = %v, want OK", dir, name, e)
					}
					if e := fs.Unlink(dh, name+".old", 0); e != OK {
						t.Errorf("Unlink(%s/%s.old) = %v, want OK", dir, name, e)
					}
				}
			}
		})
	}
	// Readers of shared state.
	for range 2 {
		wg.Go(func() {
			for range 50 {
				h, e := fs.Open(linux.AT_FDCWD, "/tmp", linux.O_RDONLY|linux.O_DIRECTORY, 0)
				if e != OK {
					t.Errorf("Open(/tmp) = %v, want OK", e)
					return
				}
				b := make([]byte, 256)
				for {
					n, e := fs.Getdents(h, b)
					if e != OK {
						t.Errorf("Getdents(/tmp) = %v, want OK", e)
						break
					}
					if n == 0 {
						break
					}
				}
				fs.Close(h)
				if _, e := statPath(fs, linux.AT_FDCWD, "/etc/passwd", 0); e != OK {
					t.Errorf("Stat(/etc/passwd) = %v, want OK", e)
				}
				_ = fs.Getwd()
			}
		})
	}
	wg.Wait()
	close(handles)
	seen := map[int]bool{}
	for h := range handles {
		if h <= 0 || seen[h] {
			t.Errorf("handle %d: want positive and unique", h)
		}
		seen[h] = true
	}
	for w := range workers {
		dir := fmt.Sprintf("/tmp/w%d", w)
		var want []string
		want = append(want, ".", "..")
		for i := range files {
			if i%5 != 4 {
				want = append(want, fmt.Sprintf("f%02d", i))
			}
		}
		if got := names(readDir(t, fs, dir)); !slices.Equal(got, want) {
			t.Errorf("readDir(%q) = %q, want %q", dir, got, want)
			continue
		}
		for _, name := range want[2:] {
			var i int
			fmt.Sscanf(name, "f%d", &i)
			if got, want := content(t, fs, dir+"/"+name), fmt.Sprintf("worker %d file %d", w, i); got != want {
				t.Errorf("content(%s/%s) = %q, want %q", dir, name, got, want)
			}
		}
	}
}
