// Command share reads a directory tree and prints what it finds, so the
// boot tests can compare a unigo guest reading a host directory shared
// with `unigo run -share` against the same program on the host.
package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	write := flag.Bool("write", false, "also try to write (the share is read-only)")
	flag.Parse()
	dir := flag.Arg(0)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			b, err2 := os.ReadFile(p)
			fmt.Printf("%s -> %s (%v) via %q (%v)\n", rel, t, err, b, err2)
		case d.IsDir():
			fmt.Printf("%s/ %v\n", rel, info.Mode())
		default:
			b, err := os.ReadFile(p)
			fmt.Printf("%s %v %d sha256:%x err=%v\n", rel, info.Mode(), info.Size(), sha256.Sum256(b), err)
		}
		return nil
	})
	fmt.Println("walk:", err)
	_, err = os.Stat(filepath.Join(dir, "missing"))
	fmt.Println("missing is ErrNotExist:", errors.Is(err, fs.ErrNotExist))
	f, err := os.Open(filepath.Join(dir, "big.bin"))
	if err == nil {
		buf := make([]byte, 10)
		n, err := f.ReadAt(buf, 200000)
		fmt.Printf("pread at 200000: %d %v %x\n", n, err, buf[:n])
		f.Close()
	}
	if *write {
		err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("x"), 0o644)
		fmt.Println("overwrite is ErrPermission:", errors.Is(err, fs.ErrPermission))
		err = os.Mkdir(filepath.Join(dir, "newdir"), 0o755)
		fmt.Println("mkdir is ErrPermission:", errors.Is(err, fs.ErrPermission))
	}
}
