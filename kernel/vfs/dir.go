package vfs

import (
	"encoding/binary"
	"sort"

	"unigo/kernel/abi/linux"
)

// Getdents fills b with linux_dirent64 records from a directory handle
// and returns how many bytes it wrote (0 at the end).
func (fs *FS) Getdents(h int, b []byte) (int, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if !hd.n.isDir() {
		return 0, linux.ENOTDIR
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
				return 0, linux.EINVAL
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

// dtype is the d_type of a mode.
func dtype(mode uint32) byte {
	switch mode & linux.S_IFMT {
	case linux.S_IFDIR:
		return linux.DT_DIR
	case linux.S_IFREG:
		return linux.DT_REG
	case linux.S_IFLNK:
		return linux.DT_LNK
	case linux.S_IFCHR:
		return linux.DT_CHR
	}
	return linux.DT_UNKNOWN
}

// newEntry resolves where a new name goes: its writable parent and the
// name, or EEXIST, EACCES or the lookup's error. Only a directory's name
// may end in a slash (mkdir("d/")); other new names so written are ENOENT,
// as on Linux (filename_create). fs.mu is held.
func (fs *FS) newEntry(dirh int, path string, dir bool) (parent *node, last string, e linux.Errno) {
	f, e := fs.resolve(dirh, path, lkParent)
	switch {
	case e == OK:
		return nil, "", linux.EEXIST
	case e != linux.ENOENT || f.parent == nil:
		return nil, "", e
	case f.slash && !dir:
		return nil, "", linux.ENOENT
	case f.parent.ro:
		return nil, "", linux.EACCES
	}
	return f.parent, f.last, OK
}

// Mkdir creates a directory.
func (fs *FS) Mkdir(dirh int, path string, mode uint32) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, last, e := fs.newEntry(dirh, path, true)
	if e != OK {
		return e
	}
	fs.newNode(last, linux.S_IFDIR|mode&0o7777, parent, false)
	return OK
}
