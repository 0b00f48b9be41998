package ninep

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxSymlinkHops bounds the symbolic links one lookup follows (Linux's
// MAXSYMLINKS).
const maxSymlinkHops = 40

// split turns a valid io/fs path into its names ("." has none).
func split(name string) []string {
	if name == "." {
		return nil
	}
	return strings.Split(name, "/")
}

// walkPath walks names from the root on a new fid. On success it returns
// the fid (the caller clunks it) and one qid per name. On failure no fid
// is held and qids are those of the names that were walked.
func (c *Client) walkPath(names []string) (uint32, []Qid, error) {
	nf, err := c.allocFid()
	if err != nil {
		return NoFid, nil, err
	}
	var qids []Qid
	created := false // nf exists on the server
	step := maxWalkNames
	rest := names
	for {
		k := min(len(rest), step)
		for _, n := range rest[:k] {
			if len(n) > maxString {
				err = syscall.ENAMETOOLONG
				break
			}
		}
		if err != nil {
			break
		}
		// Keep the request within msize.
		size := twalkFixed
		for i, n := range rest[:k] {
			size += 2 + len(n)
			if size > int(c.msize) {
				k = i
				break
			}
		}
		if k == 0 && len(rest) > 0 {
			err = syscall.ENAMETOOLONG
			break
		}
		src := c.root
		if created {
			src = nf
		}
		var got []Qid
		got, err = c.twalk(src, nf, rest[:k])
		if err != nil {
			var errno syscall.Errno
			if k > 1 && errors.As(err, &errno) {
				// Some servers fail a whole walk when a later name fails:
				// walk this stretch name by name to see how far it goes
				// (and whether a symbolic link stopped it).
				step = 1
				err = nil
				continue
			}
			break
		}
		qids = append(qids, got...)
		if len(got) < k {
			// A partial walk leaves newfid unchanged. It stops at a name
			// that is missing or under something that is no directory.
			err = syscall.ENOENT
			if len(qids) > 0 && qids[len(qids)-1].Type&QidTypeDir == 0 {
				err = syscall.ENOTDIR
			}
			break
		}
		created = true
		rest = rest[k:]
		if len(rest) == 0 {
			return nf, qids, nil
		}
	}
	if created {
		c.clunkFid(nf)
	} else {
		c.releaseFid(nf)
	}
	return NoFid, qids, err
}

// resolve walks to name, following symbolic links in the directories on
// the way and, if followLast, a link at the end. It returns a fid (the
// caller clunks it) and the file's qid.
func (c *Client) resolve(name string, followLast bool) (uint32, Qid, error) {
	names := split(name)
	for hops := 0; ; hops++ {
		fid, qids, err := c.walkPath(names)
		link := -1
		for i, q := range qids {
			if q.Type&QidTypeSymlink != 0 && (i < len(names)-1 || followLast) {
				link = i
				break
			}
		}
		if link < 0 {
			if err != nil {
				return NoFid, Qid{}, err
			}
			q := c.rootQid
			if len(qids) > 0 {
				q = qids[len(qids)-1]
			}
			return fid, q, nil
		}
		if hops == maxSymlinkHops {
			if err == nil {
				c.clunkFid(fid)
			}
			return NoFid, Qid{}, syscall.ELOOP
		}
		var target string
		if err == nil && link == len(names)-1 {
			target, err = c.readlink(fid)
			c.clunkFid(fid)
		} else {
			if err == nil {
				c.clunkFid(fid)
			}
			target, err = c.readlinkPath(names[:link+1])
		}
		if err != nil {
			return NoFid, Qid{}, err
		}
		names, err = substitute(names[:link], target, names[link+1:])
		if err != nil {
			return NoFid, Qid{}, err
		}
	}
}

// readlinkPath reads the link at names, whose directories hold no links.
func (c *Client) readlinkPath(names []string) (string, error) {
	fid, _, err := c.walkPath(names)
	if err != nil {
		return "", err
	}
	target, err := c.readlink(fid)
	c.clunkFid(fid)
	return target, err
}

// substitute replaces a link in directory dir by its target and appends
// the names that followed the link.
func substitute(dir []string, target string, rest []string) ([]string, error) {
	if target == "" {
		return nil, syscall.ENOENT
	}
	if strings.HasPrefix(target, "/") {
		return nil, ErrEscape
	}
	p := path.Join(strings.Join(dir, "/"), target)
	if p == ".." || strings.HasPrefix(p, "../") {
		return nil, ErrEscape
	}
	names := split(p)
	return append(names, rest...), nil
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// Open opens the named file or directory for reading, following
// symbolic links. Directories implement fs.ReadDirFile; other files
// implement io.ReaderAt and io.Seeker too.
func (c *Client) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, pathErr("open", name, fs.ErrInvalid)
	}
	fid, _, err := c.resolve(name, true)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	q, iounit, err := c.lopen(fid, oRDONLY)
	if err != nil {
		c.clunkFid(fid)
		return nil, pathErr("open", name, err)
	}
	n := node{c: c, fid: fid, name: name}
	if q.Type&QidTypeDir != 0 {
		return &dir{node: n}, nil
	}
	max := c.chunk()
	if iounit != 0 && iounit < max {
		max = iounit
	}
	return &file{node: n, max: max}, nil
}

// Stat describes the named file, following symbolic links.
func (c *Client) Stat(name string) (fs.FileInfo, error) {
	return c.stat("stat", name, true)
}

// Lstat describes the named file without following a final symbolic link.
func (c *Client) Lstat(name string) (fs.FileInfo, error) {
	return c.stat("lstat", name, false)
}

func (c *Client) stat(op, name string, follow bool) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, pathErr(op, name, fs.ErrInvalid)
	}
	fid, _, err := c.resolve(name, follow)
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	a, err := c.getattr(fid, getattrBasic)
	c.clunkFid(fid)
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	return &fileInfo{name: path.Base(name), attr: a}, nil
}

// ReadLink returns the target of the named symbolic link.
func (c *Client) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", pathErr("readlink", name, fs.ErrInvalid)
	}
	fid, q, err := c.resolve(name, false)
	if err != nil {
		return "", pathErr("readlink", name, err)
	}
	defer c.clunkFid(fid)
	if q.Type&QidTypeSymlink == 0 {
		return "", pathErr("readlink", name, syscall.EINVAL)
	}
	target, err := c.readlink(fid)
	if err != nil {
		return "", pathErr("readlink", name, err)
	}
	return target, nil
}

// ReadFile returns the contents of the named file.
func (c *Client) ReadFile(name string) ([]byte, error) {
	f, err := c.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, ok := f.(*file)
	if !ok {
		return nil, pathErr("read", name, syscall.EISDIR)
	}
	var data []byte
	for {
		n := len(data)
		data, err = c.read(r.fid, uint64(n), r.max, data)
		if err != nil {
			return nil, pathErr("read", name, err)
		}
		if len(data) == n {
			if data == nil {
				data = []byte{}
			}
			return data, nil
		}
	}
}

// ReadDir returns the named directory's entries sorted by name.
func (c *Client) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := c.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, ok := f.(*dir)
	if !ok {
		return nil, pathErr("readdir", name, syscall.ENOTDIR)
	}
	list, err := d.ReadDir(-1)
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return list, err
}

// node is what files and directories share: an open fid.
type node struct {
	c      *Client
	fid    uint32
	name   string
	closed bool
}

func (n *node) Stat() (fs.FileInfo, error) {
	if n.closed {
		return nil, pathErr("stat", n.name, fs.ErrClosed)
	}
	a, err := n.c.getattr(n.fid, getattrBasic)
	if err != nil {
		return nil, pathErr("stat", n.name, err)
	}
	return &fileInfo{name: path.Base(n.name), attr: a}, nil
}

func (n *node) Close() error {
	if n.closed {
		return pathErr("close", n.name, fs.ErrClosed)
	}
	n.closed = true
	if err := n.c.clunkFid(n.fid); err != nil {
		return pathErr("close", n.name, err)
	}
	return nil
}

// file is an open non-directory.
type file struct {
	node
	off int64
	max uint32 // largest Tread count
}

var (
	_ io.ReaderAt = (*file)(nil)
	_ io.Seeker   = (*file)(nil)
)

func (f *file) Read(p []byte) (int, error) {
	if f.closed {
		return 0, pathErr("read", f.name, fs.ErrClosed)
	}
	if len(p) == 0 {
		return 0, nil
	}
	count := uint32(min(len(p), int(f.max)))
	data, err := f.c.read(f.fid, uint64(f.off), count, p[:0])
	n := len(data)
	f.off += int64(n)
	if err != nil {
		return n, pathErr("read", f.name, err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, pathErr("read", f.name, fs.ErrClosed)
	}
	if off < 0 {
		return 0, pathErr("read", f.name, fs.ErrInvalid)
	}
	n := 0
	for n < len(p) {
		count := uint32(min(len(p)-n, int(f.max)))
		data, err := f.c.read(f.fid, uint64(off)+uint64(n), count, p[n:n])
		n += len(data)
		if err != nil {
			return n, pathErr("read", f.name, err)
		}
		if len(data) == 0 {
			return n, io.EOF
		}
	}
	return n, nil
}

func (f *file) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, pathErr("seek", f.name, fs.ErrClosed)
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		a, err := f.c.getattr(f.fid, getattrSize)
		if err != nil {
			return 0, pathErr("seek", f.name, err)
		}
		offset += int64(min(a.Size, math.MaxInt64))
	default:
		return 0, pathErr("seek", f.name, fs.ErrInvalid)
	}
	if offset < 0 {
		return 0, pathErr("seek", f.name, fs.ErrInvalid)
	}
	f.off = offset
	return offset, nil
}

// dir is an open directory.
type dir struct {
	node
	off     uint64     // Treaddir offset of the next batch
	pending []dirEntry // entries read but not yet returned
	eof     bool
}

var _ fs.ReadDirFile = (*dir)(nil)

func (d *dir) Read([]byte) (int, error) {
	if d.closed {
		return 0, pathErr("read", d.name, fs.ErrClosed)
	}
	return 0, pathErr("read", d.name, syscall.EISDIR)
}

// ReadDir returns the next n entries (all the rest if n <= 0), without
// "." and "..", in the server's order.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, pathErr("readdir", d.name, fs.ErrClosed)
	}
	var out []fs.DirEntry
	for n <= 0 || len(out) < n {
		if len(d.pending) == 0 {
			if d.eof {
				break
			}
			if err := d.fill(); err != nil {
				return out, pathErr("readdir", d.name, err)
			}
			continue
		}
		k := len(d.pending)
		if n > 0 {
			k = min(k, n-len(out))
		}
		for i := range d.pending[:k] {
			out = append(out, &d.pending[i])
		}
		d.pending = d.pending[k:]
	}
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	if out == nil {
		out = []fs.DirEntry{}
	}
	return out, nil
}

// fill reads the next batch of entries.
func (d *dir) fill() error {
	ents, err := d.c.readdir(d.fid, d.off, d.c.chunk())
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		d.eof = true
		return nil
	}
	next := ents[len(ents)-1].off
	if next == d.off {
		return protoErr("Rreaddir: offset %d does not advance", next)
	}
	d.off = next
	pending := make([]dirEntry, 0, len(ents))
	for _, e := range ents {
		if e.name == "." || e.name == ".." {
			continue
		}
		pending = append(pending, dirEntry{c: d.c, dir: d.name, name: e.name, typ: direntType(e.typ, e.qid)})
	}
	d.pending = pending
	return nil
}

// dirEntry is one directory entry; Info asks the server (once).
type dirEntry struct {
	c    *Client
	dir  string
	name string
	typ  fs.FileMode

	once sync.Once
	info fs.FileInfo
	err  error
}

func (e *dirEntry) Name() string      { return e.name }
func (e *dirEntry) IsDir() bool       { return e.typ.IsDir() }
func (e *dirEntry) Type() fs.FileMode { return e.typ }
func (e *dirEntry) String() string    { return fs.FormatDirEntry(e) }

func (e *dirEntry) Info() (fs.FileInfo, error) {
	e.once.Do(func() {
		e.info, e.err = e.c.Lstat(path.Join(e.dir, e.name))
	})
	return e.info, e.err
}

// fileInfo is a file's Rgetattr.
type fileInfo struct {
	name string
	attr Attr
}

func (i *fileInfo) Name() string { return i.name }
func (i *fileInfo) Size() int64  { return int64(min(i.attr.Size, math.MaxInt64)) }
func (i *fileInfo) Mode() fs.FileMode {
	return fileMode(i.attr.Mode, i.attr.Valid&getattrMode != 0, i.attr.Qid)
}
func (i *fileInfo) ModTime() time.Time { return i.attr.Mtime }
func (i *fileInfo) IsDir() bool        { return i.Mode().IsDir() }
func (i *fileInfo) Sys() any           { a := i.attr; return &a }
func (i *fileInfo) String() string     { return fs.FormatFileInfo(i) }
