package vfs

import (
	"encoding/binary"
	"sort"
	"strings"
)

// How lookup treats the path's final name.
type lookupMode int

const (
	// lkNoFollow returns a final symlink itself. A trailing slash makes
	// the final name follow and need to be a directory, as on Linux
	// (lstat("link/") stats the directory the link names).
	lkNoFollow lookupMode = iota
	// lkFollow follows a final symlink.
	lkFollow
	// lkParent is for calls that create, remove or rename the final name
	// (Linux's LOOKUP_PARENT walks): it is not followed even with a
	// trailing slash, which the caller checks instead (found.slash).
	lkParent
)

// found is what lookup resolved.
type found struct {
	n      *node  // the node; nil when the final name does not exist
	parent *node  // the final name's directory
	last   string // the final name ("." or ".." when the path ends so)
	slash  bool   // the final name is followed by a slash
}

// lookup resolves path from dir, as Linux's path walk does: every name
// but the final one must be a directory (after following symlinks), and
// a trailing slash asks that of the final name too (see lookupMode).
// When the final name does not exist, lookup fails with ENOENT but
// reports its would-be parent and name; with lkFollow, a final dangling
// symlink reports its target's (where open(O_CREAT) creates the file).
func (fs *FS) lookup(dir *node, path string, mode lookupMode, depth int) (found, Errno) {
	if depth == 0 {
		fs.hops = 0 // symlinks followed in this whole resolution (Linux: 40)
	}
	if depth > maxSymlinks || fs.hops > maxSymlinks {
		return found{}, ELOOP
	}
	if path == "" {
		return found{}, ENOENT
	}
	if path[0] == '/' {
		dir = fs.root
	}
	trimmed := strings.TrimRight(path, "/")
	slash := trimmed != "" && len(trimmed) < len(path)
	if slash && mode == lkNoFollow {
		mode = lkFollow
	}
	parts := strings.Split(trimmed, "/")
	cur := dir
	for i, p := range parts {
		final := i == len(parts)-1
		if p == "" {
			continue
		}
		if len(p) > 255 {
			return found{}, ENAMETOOLONG
		}
		if !cur.isDir() {
			return found{}, ENOTDIR
		}
		if p == "." || p == ".." {
			if p == ".." {
				cur = cur.parent
			}
			if final {
				return found{n: cur, parent: cur.parent, last: p, slash: slash}, OK
			}
			continue
		}
		if e := fs.list(cur); e != OK {
			return found{}, e
		}
		k, ok := cur.kids[p]
		if !ok {
			if final {
				return found{parent: cur, last: p, slash: slash}, ENOENT
			}
			return found{}, ENOENT
		}
		if k.mode&S_IFMT == S_IFLNK && (!final || mode == lkFollow) {
			fs.hops++
			t, e := fs.lookup(cur, k.link, lkFollow, depth+1)
			if e != OK {
				if final && e == ENOENT && t.parent != nil {
					t.slash = t.slash || slash
					return t, ENOENT // a dangling symlink: where its target would be
				}
				return found{}, e
			}
			k = t.n
		}
		if final {
			if slash && mode != lkParent && !k.isDir() {
				return found{}, ENOTDIR
			}
			return found{n: k, parent: cur, last: p, slash: slash}, OK
		}
		cur = k
	}
	return found{n: cur, parent: cur.parent, last: "."}, OK // "/" or ""-only names
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
func (fs *FS) resolve(dirh int, path string, mode lookupMode) (found, Errno) {
	dir, e := fs.dirOf(dirh, path)
	if e != OK {
		return found{}, e
	}
	return fs.lookup(dir, path, mode, 0)
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
	n := dir
	if path != "" || flags&AT_EMPTY_PATH == 0 {
		lk := lkFollow
		if flags&AT_SYMLINK_NOFOLLOW != 0 {
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
// name, or EEXIST, EACCES or the lookup's error. Only a directory's name
// may end in a slash (mkdir("d/")); other new names so written are ENOENT,
// as on Linux (filename_create). fs.mu is held.
func (fs *FS) newEntry(dirh int, path string, dir bool) (parent *node, last string, e Errno) {
	f, e := fs.resolve(dirh, path, lkParent)
	switch {
	case e == OK:
		return nil, "", EEXIST
	case e != ENOENT || f.parent == nil:
		return nil, "", e
	case f.slash && !dir:
		return nil, "", ENOENT
	case f.parent.ro:
		return nil, "", EACCES
	}
	return f.parent, f.last, OK
}

// Mkdir creates a directory.
func (fs *FS) Mkdir(dirh int, path string, mode uint32) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path, true)
	if e != OK {
		return e
	}
	fs.newNode(last, S_IFDIR|mode&0o7777, parent, false)
	return OK
}

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

// Chdir changes the working directory.
func (fs *FS) Chdir(path string) Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.lookup(fs.cwd, path, lkFollow, 0)
	if e != OK {
		return e
	}
	if !f.n.isDir() {
		return ENOTDIR
	}
	fs.cwd = f.n
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
	f, e := fs.resolve(dirh, path, lkFollow)
	if e != OK {
		return e
	}
	if write && f.n.ro {
		return EACCES
	}
	return OK
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
