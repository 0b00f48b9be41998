package vfs

import (
	"strings"

	"unigo/kernel/abi/linux"
)

// Chdir changes the working directory.
func (fs *FS) Chdir(path string) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, e := fs.lookup(fs.cwd, path, lkFollow, 0)
	if e != OK {
		return e
	}
	if !f.n.isDir() {
		return linux.ENOTDIR
	}
	fs.cwd = f.n
	return OK
}

// Fchdir changes the working directory to a directory handle.
func (fs *FS) Fchdir(h int) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return e
	}
	if !hd.n.isDir() {
		return linux.ENOTDIR
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
