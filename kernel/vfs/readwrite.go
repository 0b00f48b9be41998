package vfs

import "unigo/kernel/abi/linux"

// Read reads at the handle's offset (off < 0) or at off (pread).
func (fs *FS) Read(h int, b []byte, off int64) (int, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if hd.n.isDir() {
		return 0, linux.EISDIR
	}
	if hd.flags&linux.O_ACCMODE == linux.O_WRONLY {
		return 0, linux.EBADF
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
func (fs *FS) Write(h int, b []byte, off int64) (int, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	if hd.flags&linux.O_ACCMODE == linux.O_RDONLY {
		return 0, linux.EBADF
	}
	if len(b) == 0 {
		return 0, OK
	}
	n := hd.n
	pos := off
	if off < 0 {
		pos = hd.off
		if hd.flags&linux.O_APPEND != 0 {
			pos = int64(len(n.data))
		}
	}
	end := pos + int64(len(b))
	if pos > maxFileSize || end > maxFileSize {
		return 0, linux.ENOSPC
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

// Seek moves a handle's offset.
func (fs *FS) Seek(h int, off int64, whence int) (int64, linux.Errno) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return 0, e
	}
	var base int64
	switch whence {
	case linux.SEEK_SET:
	case linux.SEEK_CUR:
		base = hd.off
	case linux.SEEK_END:
		base = int64(len(hd.n.data))
	default:
		return 0, linux.EINVAL
	}
	if base+off < 0 {
		return 0, linux.EINVAL
	}
	hd.off = base + off
	if hd.n.isDir() && whence == linux.SEEK_SET && off == 0 { // rewinddir; SEEK_CUR by 0 only asks
		hd.dirPos, hd.dirLast = 0, ""
	}
	return hd.off, OK
}

// Truncate sets a file's size, by handle.
func (fs *FS) Truncate(h int, size int64) linux.Errno {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	hd, e := fs.get(h)
	if e != OK {
		return e
	}
	if hd.n.ro || hd.flags&linux.O_ACCMODE == linux.O_RDONLY {
		return linux.EINVAL
	}
	if size < 0 || size > maxFileSize {
		return linux.EINVAL
	}
	if size <= int64(len(hd.n.data)) {
		hd.n.data = hd.n.data[:size]
	} else {
		hd.n.data = append(hd.n.data, make([]byte, size-int64(len(hd.n.data)))...)
	}
	return OK
}
