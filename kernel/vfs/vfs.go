// Package vfs is unigo's file system: a read-only root unpacked from the
// newc cpio archive that `unigo build -files DIR` packs into the image, and
// a writable tmpfs mounted at /tmp. It speaks in Linux terms (paths,
// open flags, errno values, struct stat and linux_dirent64 layouts) so
// that the syscall layer only moves bytes.
//
// Unlike the trap-context kernel, vfs is ordinary Go: it runs in the
// kernel's file-server goroutine (kernel/server/serve.go), which the syscall
// layer hands file system calls to. It is safe for concurrent use.
package vfs

import (
	"path"
	"strings"
	"sync"
	"time"

	"unigo/kernel/abi/linux"
)

// OK is the Errno of success.
const OK linux.Errno = 0

// modePerm masks a mode's permission bits, set-id and sticky bits included.
const modePerm = linux.S_ISUID | linux.S_ISGID | linux.S_ISVTX | 0o777

const maxSymlinks = 40

type node struct {
	name   string
	parent *node
	mode   uint32
	data   []byte
	kids   map[string]*node
	link   string
	ino    uint64
	mtime  time.Time
	ro     bool     // part of the read-only root
	nlink  uint32   // st_nlink: a file's names, or 2 + a directory's subdirectories (see attach)
	src    *lazySrc // set under a Mount: contents come from there on demand
}

func (n *node) isDir() bool { return n.mode&linux.S_IFMT == linux.S_IFDIR }

type handle struct {
	n       *node
	off     int64
	flags   int
	dirPos  int    // entries listed so far
	dirLast string // the last name listed (after "." and "..")
}

// FS is one file system tree with its open files and working directory.
type FS struct {
	mu      sync.Mutex
	root    *node
	cwd     *node
	handles map[int]*handle
	next    int
	ino     uint64
	now     func() time.Time
	hops    int // symlinks followed by the current lookup
}

// New returns a file system with an empty read-only root and /tmp.
func New() *FS {
	fs := &FS{handles: map[int]*handle{}, now: time.Now}
	fs.root = fs.newNode("/", linux.S_IFDIR|0o755, nil, true)
	fs.root.parent = fs.root
	fs.cwd = fs.root
	fs.ensureTmp()
	return fs
}

func (fs *FS) newNode(name string, mode uint32, parent *node, ro bool) *node {
	fs.ino++
	n := &node{name: name, mode: mode, parent: parent, ino: fs.ino, mtime: fs.now(), ro: ro}
	if mode&linux.S_IFMT == linux.S_IFDIR {
		n.kids = map[string]*node{}
		n.nlink = 2 // its entry in parent and its "."
	}
	if parent != nil {
		attach(parent, name, n)
	}
	return n
}

// attach makes n the entry name of the directory parent, replacing (and
// detaching) whatever was there, and keeps the link counts: a file's
// nlink counts its names, a directory's is 2 plus its subdirectories
// (their ".." entries).
func attach(parent *node, name string, n *node) {
	if old, ok := parent.kids[name]; ok {
		if old == n {
			return
		}
		detach(parent, name)
	}
	parent.kids[name] = n
	if n.isDir() {
		parent.nlink++
	} else {
		n.nlink++
	}
}

// detach removes the entry name from the directory parent, keeping the
// link counts as attach does.
func detach(parent *node, name string) {
	n, ok := parent.kids[name]
	if !ok {
		return
	}
	delete(parent.kids, name)
	switch {
	case n.isDir() && parent.nlink > 0:
		parent.nlink--
	case !n.isDir() && n.nlink > 0:
		n.nlink--
	}
}

// ensureTmp mounts a writable tmpfs at /tmp.
func (fs *FS) ensureTmp() {
	if t, ok := fs.root.kids["tmp"]; ok && t.isDir() {
		t.ro = false
		t.mode = linux.S_IFDIR | 0o1777
		return
	}
	fs.newNode("tmp", linux.S_IFDIR|0o1777, fs.root, false)
}

// LoadCpio replaces the root with the files of a newc archive; /tmp stays writable.
//
// Hard links are stored as records with the same c_ino (and device) and
// c_nlink > 1. As Linux's initramfs unpacker does (init/initramfs.c,
// maybe_link), the later names of such a group link to the node the
// first one made, and a record's data, if any, is written over the
// node's from offset 0 without truncating it: GNU cpio puts the data on
// the group's last record and u-root's writer on its first, with size 0
// on the others.
func (fs *FS) LoadCpio(archive string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.ensureTmp()
	type inode struct{ ino, major, minor, fmt uint32 }
	links := map[inode]*node{}
	return readNewc(archive, func(r *newcRecord) error {
		mode := r.mode
		name := strings.TrimPrefix(path.Clean("/"+r.name), "/") // "./etc", "etc//x", "bin/../etc" as cpio(1) writes them
		if name == "" {
			return nil
		}
		dir := fs.root
		parts := strings.Split(name, "/")
		for _, p := range parts[:len(parts)-1] {
			k, ok := dir.kids[p]
			if !ok {
				k = fs.newNode(p, linux.S_IFDIR|0o755, dir, true)
			}
			if !k.isDir() {
				return nil
			}
			dir = k
		}
		last := parts[len(parts)-1]
		if old, ok := dir.kids[last]; ok && old.isDir() && mode&linux.S_IFMT == linux.S_IFDIR {
			old.mode = mode
			return nil
		}
		var n *node
		key := inode{r.ino, r.devMajor, r.devMinor, mode & linux.S_IFMT}
		linkable := r.nlink > 1 && mode&linux.S_IFMT != linux.S_IFDIR && mode&linux.S_IFMT != linux.S_IFLNK
		if linkable {
			n = links[key]
		}
		if n != nil {
			attach(dir, last, n)
			n.mode = mode
		} else {
			n = fs.newNode(last, mode, dir, true)
			if linkable {
				links[key] = n
			}
		}
		n.mtime = time.Unix(r.mtime, 0)
		switch mode & linux.S_IFMT {
		case linux.S_IFLNK:
			n.link = r.data
		case linux.S_IFREG:
			if len(r.data) > len(n.data) {
				n.data = append(n.data[:0:0], r.data...)
			} else {
				copy(n.data, r.data)
			}
		}
		return nil
	})
}

// AddFile puts a read-only file into the root (creating its directories),
// for files the kernel synthesises: /etc/resolv.conf, /etc/hosts.
func (fs *FS) AddFile(path string, data []byte) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	dir := fs.root
	for _, p := range parts[:len(parts)-1] {
		k, ok := dir.kids[p]
		if !ok {
			k = fs.newNode(p, linux.S_IFDIR|0o755, dir, true)
		}
		if !k.isDir() {
			return
		}
		dir = k
	}
	n := fs.newNode(parts[len(parts)-1], linux.S_IFREG|0o644, dir, true)
	n.data = append([]byte(nil), data...)
}
