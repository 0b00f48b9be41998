package vfs

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
