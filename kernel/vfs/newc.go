package vfs

import (
	"errors"
	"strconv"
	"strings"
)

// newc ("070701") cpio format: a 110-byte ASCII header of 13 8-digit hex
// fields, the NUL-terminated name, padding to 4 bytes, the data, padding
// to 4 bytes; "TRAILER!!!" ends the archive (cpio(5), "New ASCII Format").
const (
	newcMagic     = "070701"
	newcHeaderLen = 110
	newcTrailer   = "TRAILER!!!"
)

// ErrCorrupt reports a malformed archive.
var ErrCorrupt = errors.New("vfs: corrupt newc cpio archive")

func pad4(n int) int { return (n + 3) &^ 3 }

// newcRecord is one record of a newc archive: the header fields LoadCpio
// uses, the name and the data.
type newcRecord struct {
	name               string
	ino, mode, nlink   uint32
	mtime              int64
	devMajor, devMinor uint32
	data               string
}

// readNewc calls fn for each record of a newc archive. The header's
// fields, in order: c_ino, c_mode, c_uid, c_gid, c_nlink, c_mtime,
// c_filesize, c_devmajor, c_devminor, c_rdevmajor, c_rdevminor,
// c_namesize, c_check.
func readNewc(a string, fn func(r *newcRecord) error) error {
	for off := 0; off < len(a); {
		if len(a)-off < newcHeaderLen || a[off:off+6] != newcMagic {
			return ErrCorrupt
		}
		var f [13]uint64
		for i := range f {
			v, err := strconv.ParseUint(a[off+6+8*i:off+14+8*i], 16, 32)
			if err != nil {
				return ErrCorrupt
			}
			f[i] = v
		}
		mode, mtime, size, namesize := uint32(f[1]), int64(f[5]), int(f[6]), int(f[11])
		nameEnd := off + newcHeaderLen + namesize
		if namesize < 1 || nameEnd > len(a) {
			return ErrCorrupt
		}
		if a[nameEnd-1] != 0 {
			return ErrCorrupt // namesize counts the name's terminating NUL
		}
		name := a[off+newcHeaderLen : nameEnd-1]
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i] // a C string ends at its first NUL
		}
		dataOff := off + pad4(newcHeaderLen+namesize)
		if name == newcTrailer {
			return nil
		}
		if size < 0 || dataOff+size > len(a) || dataOff > len(a) {
			return ErrCorrupt
		}
		r := &newcRecord{
			name: name, ino: uint32(f[0]), mode: mode, nlink: uint32(f[4]), mtime: mtime,
			devMajor: uint32(f[7]), devMinor: uint32(f[8]), data: a[dataOff : dataOff+size],
		}
		if err := fn(r); err != nil {
			return err
		}
		off = dataOff + pad4(size)
	}
	return nil
}
