package vfs

import (
	"strings"

	"unigo/kernel/abi/linux"
)

func (fs *FS) newHandle(n *node, flags int) int {
	fs.next++
	fs.handles[fs.next] = &handle{n: n, flags: flags}
	return fs.next
}

// Open opens path relative to the directory handle dirh (or AT_FDCWD)
// and returns a handle.
func (fs *FS) Open(dirh int, path string, flags int, mode uint32) (int, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	// O_CREAT|O_EXCL never follows a final symlink (EEXIST); O_CREAT
	// alone creates a dangling one's target. With O_CREAT, a trailing
	// slash is EISDIR whatever the name is (Linux's open_last_lookups).
	lk := lkFollow
	switch {
	case flags&linux.O_CREAT != 0 && strings.HasSuffix(path, "/"):
		lk = lkParent
	case flags&linux.O_NOFOLLOW != 0 || flags&(linux.O_CREAT|linux.O_EXCL) == linux.O_CREAT|linux.O_EXCL:
		lk = lkNoFollow
	}
	f, e := fs.resolve(dirh, path, lk)
	n := f.n
	write := flags&linux.O_ACCMODE != linux.O_RDONLY || flags&linux.O_TRUNC != 0
	switch {
	case flags&linux.O_CREAT != 0 && f.slash && (e == OK || e == linux.ENOENT && f.parent != nil):
		return 0, linux.EISDIR
	case e == linux.ENOENT && f.parent != nil && flags&linux.O_CREAT != 0:
		if f.parent.ro {
			return 0, linux.EACCES
		}
		n = fs.newNode(f.last, linux.S_IFREG|mode&0o777, f.parent, false)
		f.parent.mtime = fs.now()
	case e != OK:
		return 0, e
	case flags&linux.O_CREAT != 0 && flags&linux.O_EXCL != 0:
		return 0, linux.EEXIST
	case n.mode&linux.S_IFMT == linux.S_IFLNK && flags&linux.O_NOFOLLOW != 0:
		return 0, linux.ELOOP
	case n.isDir() && (write || flags&linux.O_CREAT != 0):
		return 0, linux.EISDIR
	case !n.isDir() && flags&linux.O_DIRECTORY != 0:
		return 0, linux.ENOTDIR
	case write && n.ro:
		return 0, linux.EACCES
	}
	if e := fs.fetch(n); e != OK {
		return 0, e
	}
	if flags&linux.O_TRUNC != 0 && n.mode&linux.S_IFMT == linux.S_IFREG && flags&linux.O_ACCMODE != linux.O_RDONLY {
		n.data = n.data[:0]
		n.mtime = fs.now()
	}
	return fs.newHandle(n, flags), OK
}

func (fs *FS) get(h int) (*handle, linux.Errno) {
	hd, ok := fs.handles[h]
	if !ok {
		return nil, linux.EBADF
	}
	return hd, OK
}

// Close releases a handle.
func (fs *FS) Close(h int) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if _, ok := fs.handles[h]; !ok {
		return linux.EBADF
	}
	delete(fs.handles, h)
	return OK
}
