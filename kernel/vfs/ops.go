package vfs

import (
	"encoding/binary"
	"sort"
	"strings"
)

// lookup resolves path from dir. With follow, a final symlink is followed.
// It returns the node, or its would-be parent and last name for ENOENT.
func (fs *FS) lookup(dir *node, path string, follow bool, depth int) (n, parent *node, last string, e Errno) {
	if depth == 0 {
		fs.hops = 0 // symlinks followed in this whole resolution (Linux: 40)
	}
	if depth > maxSymlinks || fs.hops > maxSymlinks {
		return nil, nil, "", ELOOP
	}
	if path == "" {
		return nil, nil, "", ENOENT
	}
	if path[0] == '/' {
		dir = fs.root
	}
	parts := strings.Split(path, "/")
	cur := dir
	for i, p := range parts {
		final := i == len(parts)-1 || allEmpty(parts[i+1:])
		if p == "" || p == "." {
			if final {
				return cur, cur.parent, ".", OK
			}
			continue
		}
		if len(p) > 255 {
			return nil, nil, "", ENAMETOOLONG
		}
		if !cur.isDir() {
			return nil, nil, "", ENOTDIR
		}
		if p == ".." {
			cur = cur.parent
			if final {
				return cur, cur.parent, "..", OK
			}
			continue
		}
		if e := fs.list(cur); e != OK {
			return nil, nil, "", e
		}
		k, ok := cur.kids[p]
		if !ok {
			if final {
				return nil, cur, p, ENOENT
			}
			return nil, nil, "", ENOENT
		}
		if k.mode&S_IFMT == S_IFLNK && (!final || follow) {
			fs.hops++
			t, _, _, e := fs.lookup(cur, k.link, true, depth+1)
			if e != OK {
				if final && e == ENOENT {
					return nil, cur, p, ENOENT
				}
				return nil, nil, "", e
			}
			k = t
		}
		if final {
			return k, cur, p, OK
		}
		cur = k
	}
	return cur, cur.parent, ".", OK
}

func allEmpty(p []string) bool {
	for _, s := range p {
		if s != "" {
			return false
		}
	}
	return true
}

// dirOf returns the directory a *at call starts from; an absolute path
// ignores dirh, as on Linux.
func (fs *FS) dirOf(dirh int, path string) (*node, Errno) {
	if strings.HasPrefix(path, "/") {
		return fs.root, OK
	}
	if dirh == AT_FDCWD {
		return fs.cwd, OK
	}
	h, ok := fs.handles[dirh]
	if !ok {
		return nil, EBADF
	}
	if !h.n.isDir() {
		return nil, ENOTDIR
	}
	return h.n, OK
}

// resolve looks path up from the directory a *at call names (dirh, or
// the root for an absolute path). fs.mu is held.
func (fs *FS) resolve(dirh int, path string, follow bool) (n, parent *node, last string, e Errno) {
	dir, e := fs.dirOf(dirh, path)
	if e != OK {
		return nil, nil, "", e
	}
	return fs.lookup(dir, path, follow, 0)
}

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
	n, parent, last, e := fs.resolve(dirh, path, flags&O_NOFOLLOW == 0)
	write := flags&O_ACCMODE != O_RDONLY || flags&O_TRUNC != 0
	switch {
	case e == ENOENT && parent != nil && flags&O_CREAT != 0:
		if parent.ro {
			return 0, EACCES
		}
		n = fs.newNode(last, S_IFREG|mode&0o777, parent, false)
		parent.mtime = fs.now()
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

// Read reads at the handle's offset (off < 0) or at off (pread).
func (fs *FS) Read(h int, b []byte, off int64) (int, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if hd.n.isDir() {
		return 0, EISDIR
	}
	if hd.flags&O_ACCMODE == O_WRONLY {
		return 0, EBADF
	}
	pos := off
	if off < 0 {
		pos = hd.off
	}
	if pos >= int64(len(hd.n.data)) {
		return 0, OK
	}
	n := copy(b, hd.n.data[pos:])
	if off < 0 {
		hd.off += int64(n)
	}
	return n, OK
}

// maxFileSize bounds one tmpfs file (the guest's memory bounds them all).
const maxFileSize = 1 << 30

// Write writes at the handle's offset (off < 0) or at off (pwrite).
func (fs *FS) Write(h int, b []byte, off int64) (int, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if hd.flags&O_ACCMODE == O_RDONLY {
		return 0, EBADF
	}
	if len(b) == 0 {
		return 0, OK
	}
	n := hd.n
	pos := off
	if off < 0 {
		pos = hd.off
		if hd.flags&O_APPEND != 0 {
			pos = int64(len(n.data))
		}
	}
	end := pos + int64(len(b))
	if pos > maxFileSize || end > maxFileSize {
		return 0, ENOSPC
	}
	if end > int64(len(n.data)) {
		if end > int64(cap(n.data)) {
			grown := make([]byte, end, max(end, 2*int64(cap(n.data))))
			copy(grown, n.data)
			n.data = grown
		} else {
			n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
		}
	}
	copy(n.data[pos:], b)
	n.mtime = fs.now()
	if off < 0 {
		hd.off = end
	}
	return len(b), OK
}

// Whence values for Seek.
const (
	SeekSet = 0
	SeekCur = 1
	SeekEnd = 2
)

// Seek moves a handle's offset.
func (fs *FS) Seek(h int, off int64, whence int) (int64, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	var base int64
	switch whence {
	case SeekSet:
	case SeekCur:
		base = hd.off
	case SeekEnd:
		base = int64(len(hd.n.data))
	default:
		return 0, EINVAL
	}
	if base+off < 0 {
		return 0, EINVAL
	}
	hd.off = base + off
	if hd.n.isDir() && whence == SeekSet && off == 0 { // rewinddir; SEEK_CUR by 0 only asks
		hd.dirPos, hd.dirLast = 0, ""
	}
	return hd.off, OK
}

// Truncate sets a file's size, by handle.
func (fs *FS) Truncate(h int, size int64) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return e
	}
	if hd.n.ro || hd.flags&O_ACCMODE == O_RDONLY {
		return EINVAL
	}
	if size < 0 || size > maxFileSize {
		return EINVAL
	}
	if size <= int64(len(hd.n.data)) {
		hd.n.data = hd.n.data[:size]
	} else {
		hd.n.data = append(hd.n.data, make([]byte, size-int64(len(hd.n.data)))...)
	}
	return OK
}

// StatLen is sizeof(struct stat) on x86-64.
const StatLen = 144

func (fs *FS) fillStat(n *node, b []byte) {
	clear(b[:StatLen])
	le := binary.LittleEndian
	le.PutUint64(b[0:], 1) // st_dev
	le.PutUint64(b[8:], n.ino)
	le.PutUint64(b[16:], uint64(n.nlink))
	le.PutUint32(b[24:], n.mode)
	size := n.size()
	if n.mode&S_IFMT == S_IFLNK {
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
func (fs *FS) Fstat(h int, b []byte) Errno {
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
func (fs *FS) Stat(dirh int, path string, flags int, b []byte) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if path == "" && flags&AT_EMPTY_PATH != 0 && dirh != AT_FDCWD {
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
	var n *node
	if path == "" && flags&AT_EMPTY_PATH != 0 {
		n = dir
	} else if n, _, _, e = fs.lookup(dir, path, flags&AT_SYMLINK_NOFOLLOW == 0, 0); e != OK {
		return e
	}
	fs.fillStat(n, b)
	return OK
}

// Getdents fills b with linux_dirent64 records from a directory handle
// and returns how many bytes it wrote (0 at the end).
func (fs *FS) Getdents(h int, b []byte) (int, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if !hd.n.isDir() {
		return 0, ENOTDIR
	}
	if e := fs.list(hd.n); e != OK {
		return 0, e
	}
	// Entries are listed in name order after "." and ".."; the cursor is
	// the last name returned, so entries removed meanwhile shift nothing.
	kids := make([]string, 0, len(hd.n.kids))
	for k := range hd.n.kids {
		if hd.dirPos < 2 || k > hd.dirLast {
			kids = append(kids, k)
		}
	}
	sort.Strings(kids)
	names := kids
	if hd.dirPos < 2 {
		names = append([]string{".", ".."}[hd.dirPos:], kids...)
	}
	w := 0
	for _, name := range names {
		n := hd.n
		switch name {
		case ".":
		case "..":
			n = hd.n.parent
		default:
			n = hd.n.kids[name]
		}
		reclen := (19 + len(name) + 1 + 7) &^ 7
		if w+reclen > len(b) {
			if w == 0 {
				return 0, EINVAL
			}
			break
		}
		r := b[w : w+reclen]
		clear(r)
		binary.LittleEndian.PutUint64(r[0:], n.ino)
		binary.LittleEndian.PutUint64(r[8:], uint64(hd.dirPos+1))
		binary.LittleEndian.PutUint16(r[16:], uint16(reclen))
		r[18] = dtype(n.mode)
		copy(r[19:], name)
		w += reclen
		if hd.dirPos < 2 {
			hd.dirPos++
		} else {
			hd.dirLast = name
			hd.dirPos++
		}
	}
	return w, OK
}

// dtype is the d_type of a mode (include/linux/fs_types.h: DT_DIR 4, DT_REG 8, DT_LNK 10, DT_CHR 2).
func dtype(mode uint32) byte {
	switch mode & S_IFMT {
	case S_IFDIR:
		return 4
	case S_IFREG:
		return 8
	case S_IFLNK:
		return 10
	case S_IFCHR:
		return 2
	}
	return 0
}

// newEntry resolves where a new name goes: its writable parent and the
// name, or EEXIST, EACCES or the lookup's error. fs.mu is held.
func (fs *FS) newEntry(dirh int, path string) (parent *node, last string, e Errno) {
	_, parent, last, e = fs.resolve(dirh, path, false)
	switch {
	case e == OK:
		return nil, "", EEXIST
	case e != ENOENT || parent == nil:
		return nil, "", e
	case parent.ro:
		return nil, "", EACCES
	}
	return parent, last, OK
}

// Mkdir creates a directory.
func (fs *FS) Mkdir(dirh int, path string, mode uint32) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path)
	if e != OK {
		return e
	}
	fs.newNode(last, S_IFDIR|mode&0o7777, parent, false)
	parent.nlink++
	return OK
}

// Unlink removes a file, or an empty directory with AT_REMOVEDIR.
func (fs *FS) Unlink(dirh int, path string, flags int) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, parent, last, e := fs.resolve(dirh, path, false)
	if e != OK {
		return e
	}
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
		parent.nlink--
	} else if n.isDir() {
		return EISDIR
	}
	delete(parent.kids, last)
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
	n, oparent, olast, e := fs.lookup(od, oldpath, false, 0)
	if e != OK {
		return e
	}
	target, nparent, nlast, e := fs.lookup(nd, newpath, false, 0)
	if e != OK && e != ENOENT || nparent == nil {
		return e
	}
	if olast == "." || olast == ".." || nlast == "." || nlast == ".." || n == fs.root {
		return EINVAL
	}
	if oparent.ro || nparent.ro || n.ro {
		return EACCES
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
	delete(oparent.kids, olast)
	n.name, n.parent = nlast, nparent
	nparent.kids[nlast] = n
	return OK
}

// Readlink returns a symlink's target.
func (fs *FS) Readlink(dirh int, path string) (string, Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, _, _, e := fs.resolve(dirh, path, false)
	if e != OK {
		return "", e
	}
	if n.mode&S_IFMT != S_IFLNK {
		return "", EINVAL
	}
	return n.link, OK
}

// Chdir changes the working directory.
func (fs *FS) Chdir(path string) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, _, _, e := fs.lookup(fs.cwd, path, true, 0)
	if e != OK {
		return e
	}
	if !n.isDir() {
		return ENOTDIR
	}
	fs.cwd = n
	return OK
}

// Fchdir changes the working directory to a directory handle.
func (fs *FS) Fchdir(h int) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return e
	}
	if !hd.n.isDir() {
		return ENOTDIR
	}
	fs.cwd = hd.n
	return OK
}

// Getwd returns the working directory's path.
func (fs *FS) Getwd() string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var parts []string
	for n := fs.cwd; n != fs.root; n = n.parent {
		parts = append(parts, n.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// Access checks that path exists (and is writable when write is set).
func (fs *FS) Access(dirh int, path string, write bool) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, _, _, e := fs.resolve(dirh, path, true)
	if e != OK {
		return e
	}
	if write && n.ro {
		return EACCES
	}
	return OK
}

// Symlink creates a symbolic link (tmpfs only).
func (fs *FS) Symlink(target string, dirh int, path string) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path)
	if e != OK {
		return e
	}
	n := fs.newNode(last, S_IFLNK|0o777, parent, false)
	n.link = target
	return OK
}
