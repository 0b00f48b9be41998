package vfs

// Unlink removes a file, or an empty directory with AT_REMOVEDIR.
func (fs *FS) Unlink(dirh int, path string, flags int) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.resolve(dirh, path, lkParent)
	if e != OK {
		return e
	}
	n, parent, last := f.n, f.parent, f.last
	if n == fs.root || last == "." || last == ".." {
		return EINVAL
	}
	if parent.ro || n.ro {
		return EACCES
	}
	if flags&AT_REMOVEDIR != 0 {
		if !n.isDir() {
			return ENOTDIR
		}
		if len(n.kids) > 0 {
			return ENOTEMPTY
		}
	} else if n.isDir() {
		return EISDIR
	} else if f.slash {
		return ENOTDIR // "f/": f must be a directory (a symlink is not followed)
	}
	detach(parent, last)
	if n.isDir() {
		n.nlink = 0 // as fstat of a removed directory shows
	}
	return OK
}

// Rename moves a file or directory.
func (fs *FS) Rename(olddirh int, oldpath string, newdirh int, newpath string) Errno {
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
	if e != OK && e != ENOENT || nf.parent == nil {
		return e
	}
	target, nparent, nlast := nf.n, nf.parent, nf.last
	if olast == "." || olast == ".." || nlast == "." || nlast == ".." || n == fs.root {
		return EINVAL
	}
	if oparent.ro || nparent.ro || n.ro {
		return EACCES
	}
	if !n.isDir() && (of.slash || nf.slash) {
		return ENOTDIR // only a directory's names may end in a slash
	}
	for p := nparent; ; p = p.parent { // no moving a directory into itself
		if p == n {
			return EINVAL
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
				return EISDIR
			}
			return ENOTDIR
		}
		if target.isDir() && len(target.kids) > 0 {
			return ENOTEMPTY
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
func (fs *FS) Readlink(dirh int, path string) (string, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.resolve(dirh, path, lkNoFollow)
	if e != OK {
		return "", e
	}
	if f.n.mode&S_IFMT != S_IFLNK {
		return "", EINVAL
	}
	return f.n.link, OK
}

// Symlink creates a symbolic link (tmpfs only).
func (fs *FS) Symlink(target string, dirh int, path string) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path, false)
	if e != OK {
		return e
	}
	n := fs.newNode(last, S_IFLNK|0o777, parent, false)
	n.link = target
	return OK
}
