package vfs

import (
	"encoding/binary"

	"unigo/kernel/abi/linux"
)

func (fs *FS) fillStat(n *node, b []byte) {
	clear(b[:linux.SizeofStat])
	le := binary.LittleEndian
	le.PutUint64(b[0:], 1) // st_dev
	le.PutUint64(b[8:], n.ino)
	nlink := uint64(n.nlink)
	if n.isDir() && n.src != nil {
		// A mounted directory is listed on demand only, so its
		// subdirectories are not counted: 1 is Linux's "not counted"
		// (btrfs, and what fts(3) and find(1) accept for -noleaf).
		nlink = 1
	}
	le.PutUint64(b[16:], nlink)
	le.PutUint32(b[24:], n.mode)
	size := n.size()
	if n.mode&linux.S_IFMT == linux.S_IFLNK {
		size = int64(len(n.link))
	} else if n.isDir() {
		size = 4096
	}
	le.PutUint64(b[48:], uint64(size))
	le.PutUint64(b[56:], 4096)
	le.PutUint64(b[64:], uint64((size+511)/512))
	for _, off := range []int{72, 88, 104} {
		le.PutUint64(b[off:], uint64(n.mtime.Unix()))
		le.PutUint64(b[off+8:], uint64(n.mtime.Nanosecond()))
	}
}

// Fstat fills a struct stat for a handle.
func (fs *FS) Fstat(h int, b []byte) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return e
	}
	fs.fillStat(hd.n, b)
	return OK
}

// Stat fills a struct stat for a path (newfstatat).
func (fs *FS) Stat(dirh int, path string, flags int, b []byte) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if path == "" && flags&linux.AT_EMPTY_PATH != 0 && dirh != linux.AT_FDCWD {
		hd, e := fs.get(dirh) // a file handle too (fstatat(fd, "", AT_EMPTY_PATH))
		if e != OK {
			return e
		}
		fs.fillStat(hd.n, b)
		return OK
	}
	dir, e := fs.dirOf(dirh, path)
	if e != OK {
		return e
	}
	n := dir
	if path != "" || flags&linux.AT_EMPTY_PATH == 0 {
		lk := lkFollow
		if flags&linux.AT_SYMLINK_NOFOLLOW != 0 {
			lk = lkNoFollow
		}
		f, e := fs.lookup(dir, path, lk, 0)
		if e != OK {
			return e
		}
		n = f.n
	}
	fs.fillStat(n, b)
	return OK
}

// Access checks that path exists (and is writable when write is set).
func (fs *FS) Access(dirh int, path string, write bool) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.resolve(dirh, path, lkFollow)
	if e != OK {
		return e
	}
	if write && f.n.ro {
		return linux.EACCES
	}
	return OK
}
