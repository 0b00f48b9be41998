package vfs

import (
	"strings"

	"unigo/kernel/abi/linux"
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
func (fs *FS) lookup(dir *node, path string, mode lookupMode, depth int) (found, linux.Errno) {
	if depth == 0 {
		fs.hops = 0 // symlinks followed in this whole resolution (Linux: 40)
	}
	if depth > maxSymlinks || fs.hops > maxSymlinks {
		return found{}, linux.ELOOP
	}
	if path == "" {
		return found{}, linux.ENOENT
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
			return found{}, linux.ENAMETOOLONG
		}
		if !cur.isDir() {
			return found{}, linux.ENOTDIR
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
				return found{parent: cur, last: p, slash: slash}, linux.ENOENT
			}
			return found{}, linux.ENOENT
		}
		if k.mode&linux.S_IFMT == linux.S_IFLNK && (!final || mode == lkFollow) {
			fs.hops++
			t, e := fs.lookup(cur, k.link, lkFollow, depth+1)
			if e != OK {
				if final && e == linux.ENOENT && t.parent != nil {
					t.slash = t.slash || slash
					return t, linux.ENOENT // a dangling symlink: where its target would be
				}
				return found{}, e
			}
			k = t.n
		}
		if final {
			if slash && mode != lkParent && !k.isDir() {
				return found{}, linux.ENOTDIR
			}
			return found{n: k, parent: cur, last: p, slash: slash}, OK
		}
		cur = k
	}
	return found{n: cur, parent: cur.parent, last: "."}, OK // "/" or ""-only names
}

// dirOf returns the directory a *at call starts from; an absolute path
// ignores dirh, as on Linux.
func (fs *FS) dirOf(dirh int, path string) (*node, linux.Errno) {
	if strings.HasPrefix(path, "/") {
		return fs.root, OK
	}
	if dirh == linux.AT_FDCWD {
		return fs.cwd, OK
	}
	h, ok := fs.handles[dirh]
	if !ok {
		return nil, linux.EBADF
	}
	if !h.n.isDir() {
		return nil, linux.ENOTDIR
	}
	return h.n, OK
}

// resolve looks path up from the directory a *at call names (dirh, or
// the root for an absolute path). fs.mu is held.
func (fs *FS) resolve(dirh int, path string, mode lookupMode) (found, linux.Errno) {
	dir, e := fs.dirOf(dirh, path)
	if e != OK {
		return found{}, e
	}
	return fs.lookup(dir, path, mode, 0)
}
