package vfs

import (
	"errors"
	iofs "io/fs"
	"path"
	"strings"
	"syscall"

	"unigo/kernel/abi/linux"
)

// A mount shows an io/fs file system (a host directory shared over 9P,
// drivers/ninep) read-only under a directory of the tree. Its nodes are
// made on demand: a directory lists its entries the first time a lookup
// or getdents passes through it, and a file reads its contents when it
// is opened. So walking a large share costs one listing per directory
// visited, and reading costs only the files opened.
type lazySrc struct {
	fsys   iofs.FS
	name   string // path in fsys ("." for its root)
	listed bool   // directories: entries loaded
	read   bool   // files: data loaded
	size   int64  // files: size from the listing, until read
}

// Mount shows fsys read-only at the absolute directory path, replacing
// whatever the root had there.
func (fs *FS) Mount(at string, fsys iofs.FS) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	clean := path.Clean("/" + at)
	if clean == "/" || clean == "/tmp" || strings.HasPrefix(clean, "/tmp/") {
		return errors.New("vfs: cannot mount over / or /tmp")
	}
	dir := fs.root
	parts := strings.Split(strings.TrimPrefix(clean, "/"), "/")
	for _, p := range parts {
		if e := fs.list(dir); e != OK {
			return syscall.Errno(e)
		}
		k, ok := dir.kids[p]
		if !ok {
			k = fs.newNode(p, linux.S_IFDIR|0o755, dir, true)
		}
		if !k.isDir() {
			return errors.New("vfs: mount point " + clean + " is not a directory")
		}
		dir = k
	}
	dir.kids = map[string]*node{}
	dir.nlink = 2 // no subdirectories until listed (and see fillStat)
	dir.ro = true
	dir.src = &lazySrc{fsys: fsys, name: "."}
	return nil
}

// list loads a lazy directory's entries. fs.mu is held.
func (fs *FS) list(n *node) linux.Errno {
	s := n.src
	if s == nil || s.listed || !n.isDir() {
		return OK
	}
	ents, err := iofs.ReadDir(s.fsys, s.name)
	if err != nil {
		return errnoOf(err)
	}
	for _, d := range ents {
		name := d.Name()
		if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
			continue
		}
		child := path.Join(s.name, name)
		info, err := d.Info()
		if err != nil {
			continue // vanished since the listing
		}
		mode := uint32(info.Mode().Perm())
		switch t := d.Type(); {
		case t.IsDir():
			mode |= linux.S_IFDIR
		case t&iofs.ModeSymlink != 0:
			mode |= linux.S_IFLNK
		case t.IsRegular():
			mode |= linux.S_IFREG
		default:
			continue // devices, sockets and pipes are not shared
		}
		k := fs.newNode(name, mode, n, true)
		k.mtime = info.ModTime()
		k.src = &lazySrc{fsys: s.fsys, name: child, size: info.Size()}
		if mode&linux.S_IFMT == linux.S_IFLNK {
			t, err := iofs.ReadLink(s.fsys, child)
			if err != nil {
				return errnoOf(err)
			}
			k.link = t
		}
	}
	s.listed = true
	return OK
}

// fetch reads a lazy file's contents. fs.mu is held.
func (fs *FS) fetch(n *node) linux.Errno {
	s := n.src
	if s == nil || s.read || n.mode&linux.S_IFMT != linux.S_IFREG {
		return OK
	}
	b, err := iofs.ReadFile(s.fsys, s.name)
	if err != nil {
		return errnoOf(err)
	}
	n.data, s.read = b, true
	return OK
}

// size is a node's st_size: the listing's until a lazy file is read.
func (n *node) size() int64 {
	if n.src != nil && !n.src.read && n.mode&linux.S_IFMT == linux.S_IFREG {
		return n.src.size
	}
	return int64(len(n.data))
}

// errnoOf maps a share's error to an errno: the server's own (9P's
// Rlerror carries Linux errnos), or the io/fs class, or EIO.
func errnoOf(err error) linux.Errno {
	var en syscall.Errno
	switch {
	case errors.As(err, &en):
		return linux.Errno(en)
	case errors.Is(err, iofs.ErrNotExist):
		return linux.ENOENT
	case errors.Is(err, iofs.ErrPermission):
		return linux.EACCES
	}
	return linux.EIO
}
