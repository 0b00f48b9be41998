// files exercises the os file API on unigo's read-only root (packed with
// unigo build -files root) and the tmpfs at /tmp.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: %v\n", what, err)
	}
}

func main() {
	b, err := os.ReadFile("/etc/motd")
	check("read motd", err)
	fmt.Printf("motd=%q\n", b)
	l, err := os.Readlink("/data/motd-link")
	check("readlink", err)
	b, _ = os.ReadFile("/data/motd-link")
	fmt.Printf("link=%s via=%q\n", l, b)

	err = os.WriteFile("/etc/new", []byte("x"), 0o644)
	fmt.Println("write root: permission =", errors.Is(err, fs.ErrPermission))
	_, err = os.Stat("/nope")
	fmt.Println("stat missing: notexist =", errors.Is(err, fs.ErrNotExist))
	err = os.Remove("/etc/motd")
	fmt.Println("remove root file: permission =", errors.Is(err, fs.ErrPermission))

	check("mkdirall", os.MkdirAll("/tmp/a/b/c", 0o755))
	check("writefile", os.WriteFile("/tmp/a/b/c/f.txt", []byte("tmpfs data"), 0o600))
	check("rename", os.Rename("/tmp/a/b/c/f.txt", "/tmp/a/g.txt"))
	b, err = os.ReadFile("/tmp/a/g.txt")
	check("read back", err)
	fmt.Printf("renamed=%q\n", b)
	st, err := os.Stat("/tmp/a/g.txt")
	check("stat", err)
	fmt.Println("size", st.Size(), "mode", st.Mode(), "dir", st.IsDir())

	f, err := os.OpenFile("/tmp/a/g.txt", os.O_RDWR, 0)
	check("open rw", err)
	f.Seek(6, io.SeekStart)
	f.Write([]byte("DATA!"))
	buf := make([]byte, 4)
	f.ReadAt(buf, 0)
	f.Close()
	b, _ = os.ReadFile("/tmp/a/g.txt")
	fmt.Printf("patched=%q head=%q\n", b, buf)

	ents, err := os.ReadDir("/tmp/a")
	check("readdir", err)
	for _, e := range ents {
		fmt.Println("entry", e.Name(), e.IsDir())
	}
	wd, _ := os.Getwd()
	check("chdir", os.Chdir("/tmp/a/b"))
	wd2, _ := os.Getwd()
	b, err = os.ReadFile("../g.txt")
	check("relative read", err)
	fmt.Printf("wd=%s then %s relative=%q\n", wd, wd2, b)

	var walked []string
	err = fs.WalkDir(os.DirFS("/"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, p)
		return nil
	})
	check("walkdir", err)
	fmt.Println("walk:", strings.Join(walked, " "))
	check("removeall", os.RemoveAll("/tmp/a"))
	_, err = os.Stat("/tmp/a")
	fmt.Println("removed:", errors.Is(err, fs.ErrNotExist))

	// sysinfo(2): the kernel reports its RAM (bytes, mem_unit 1) and uptime.
	var si syscall.Sysinfo_t
	check("sysinfo", syscall.Sysinfo(&si))
	fmt.Printf("sysinfo: totalram_mib=%d free<=total=%v uptime>=0=%v procs>0=%v unit=%d\n",
		si.Totalram>>20, si.Freeram <= si.Totalram, si.Uptime >= 0, si.Procs > 0, si.Unit)
}
