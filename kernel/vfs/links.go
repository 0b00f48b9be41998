package vfs

import "unigo/kernel/abi/linux"

// Unlink removes a file, or an empty directory with AT_REMOVEDIR.
func (fs *FS) Unlink(dirh int, path string, flags int) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.resolve(dirh, path, lkParent)
	if e != OK {
		return e
	}
	n, parent, last := f.n, f.parent, f.last
	if n == fs.root || last == "." || last == ".." {
		return linux.EINVAL
	}
	if parent.ro || n.ro {
		return linux.EACCES
	}
	if flags&linux.AT_REMOVEDIR != 0 {
		if !n.isDir() {
			return linux.ENOTDIR
		}
		if len(n.kids) > 0 {
			return linux.ENOTEMPTY
		}
	} else if n.isDir() {
		return linux.EISDIR
	} else if f.slash {
		return linux.ENOTDIR // "f/": f must be a directory (a symlink is not followed)
	}
	detach(parent, last)
	if n.isDir() {
		n.nlink = 0 // as fstat of a removed directory shows
	}
	return OK
}

// Rename moves a file or directory.
func (fs *FS) Rename(olddirh int, oldpath string, newdirh int, newpath string) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	od, e := fs.dirOf(olddirh, oldpath)
	if e != OK {
		return e
	}
	nd, e := fs.dirOf(newdirh, newpath)
	if e != OK {
		return e
	}
	of, e := fs.lookup(od, oldpath, lkParent, 0)
	if e != OK {
		return e
	}
	n, oparent, olast := of.n, of.parent, of.last
	nf, e := fs.lookup(nd, newpath, lkParent, 0)
	if e != OK && e != linux.ENOENT || nf.parent == nil {
		return e
	}
	target, nparent, nlast := nf.n, nf.parent, nf.last
	if olast == "." || olast == ".." || nlast == "." || nlast == ".." || n == fs.root {
		return linux.EINVAL
	}
	if oparent.ro || nparent.ro || n.ro {
		return linux.EACCES
	}
	if !n.isDir() && (of.slash || nf.slash) {
		return linux.ENOTDIR // only a directory's names may end in a slash
	}
	for p := nparent; ; p = p.parent { // no moving a directory into itself
		if p == n {
			return linux.EINVAL
		}
		if p == fs.root {
			break
		}
	}
	if target != nil {
		if target == n {
			return OK
		}
		if target.isDir() != n.isDir() {
			if target.isDir() {
				return linux.EISDIR
			}
			return linux.ENOTDIR
		}
		if target.isDir() && len(target.kids) > 0 {
			return linux.ENOTEMPTY
		}
	}
	detach(oparent, olast)
	if target != nil {
		detach(nparent, nlast)
		if target.isDir() {
			target.nlink = 0
		}
	}
	n.name, n.parent = nlast, nparent
	attach(nparent, nlast, n)
	return OK
}

// Readlink returns a symlink's target.
func (fs *FS) Readlink(dirh int, path string) (string, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.resolve(dirh, path, lkNoFollow)
	if e != OK {
		return "", e
	}
	if f.n.mode&linux.S_IFMT != linux.S_IFLNK {
		return "", linux.EINVAL
	}
	return f.n.link, OK
}

// Symlink creates a symbolic link (tmpfs only).
func (fs *FS) Symlink(target string, dirh int, path string) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path, false)
	if e != OK {
		return e
	}
	n := fs.newNode(last, linux.S_IFLNK|0o777, parent, false)
	n.link = target
	return OK
}
