package vfs

import (
	"strings"
)

func (fs *FS) newHandle(n *node, flags int) int {
	fs.next++
	fs.handles[fs.next] = &handle{n: n, flags: flags}
	return fs.next
}

// Open opens path relative to the directory handle dirh (or AT_FDCWD)
// and returns a handle.
func (fs *FS) Open(dirh int, path string, flags int, mode uint32) (int, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	// O_CREAT|O_EXCL never follows a final symlink (EEXIST); O_CREAT
	// alone creates a dangling one's target. With O_CREAT, a trailing
	// slash is EISDIR whatever the name is (Linux's open_last_lookups).
	lk := lkFollow
	switch {
	case flags&O_CREAT != 0 && strings.HasSuffix(path, "/"):
		lk = lkParent
	case flags&O_NOFOLLOW != 0 || flags&(O_CREAT|O_EXCL) == O_CREAT|O_EXCL:
		lk = lkNoFollow
	}
	f, e := fs.resolve(dirh, path, lk)
	n := f.n
	write := flags&O_ACCMODE != O_RDONLY || flags&O_TRUNC != 0
	switch {
	case flags&O_CREAT != 0 && f.slash && (e == OK || e == ENOENT && f.parent != nil):
		return 0, EISDIR
	case e == ENOENT && f.parent != nil && flags&O_CREAT != 0:
		if f.parent.ro {
			return 0, EACCES
		}
		n = fs.newNode(f.last, S_IFREG|mode&0o777, f.parent, false)
		f.parent.mtime = fs.now()
	case e != OK:
		return 0, e
	case flags&O_CREAT != 0 && flags&O_EXCL != 0:
		return 0, EEXIST
	case n.mode&S_IFMT == S_IFLNK && flags&O_NOFOLLOW != 0:
		return 0, ELOOP
	case n.isDir() && (write || flags&O_CREAT != 0):
		return 0, EISDIR
	case !n.isDir() && flags&O_DIRECTORY != 0:
		return 0, ENOTDIR
	case write && n.ro:
		return 0, EACCES
	}
	if e := fs.fetch(n); e != OK {
		return 0, e
	}
	if flags&O_TRUNC != 0 && n.mode&S_IFMT == S_IFREG && flags&O_ACCMODE != O_RDONLY {
		n.data = n.data[:0]
		n.mtime = fs.now()
	}
	return fs.newHandle(n, flags), OK
}

func (fs *FS) get(h int) (*handle, Errno) {
	hd, ok := fs.handles[h]
	if !ok {
		return nil, EBADF
	}
	return hd, OK
}

// Close releases a handle.
func (fs *FS) Close(h int) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if _, ok := fs.handles[h]; !ok {
		return EBADF
	}
	delete(fs.handles, h)
	return OK
}
