package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The attack-surface counts are read from sources and files, not typed in.

// handledSyscalls counts the Linux system calls unigo's kernel handles:
// the rows numbered below unigo's private calls in docs/syscalls.md,
// which tools/gensyscalls writes from kernel/sys's table (the calls it
// answers itself, hands to the file or socket server, or refuses with a
// specific errno). Everything else gets ENOSYS.
func handledSyscalls(root string) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, "docs", "syscalls.md"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllSubmatch(b, -1) {
		if nr, _ := strconv.Atoi(string(m[1])); nr < 1000 {
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no syscall rows found in %s/docs/syscalls.md", root)
	}
	return n, nil
}

// linuxSyscalls counts the entries of Linux's x86-64 system call table, as
// generated into kernel/abi/linux from golang.org/x/sys/unix.
func linuxSyscalls(root string) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, "kernel", "abi", "linux", "zlinux_amd64.go"))
	if err != nil {
		return 0, err
	}
	_, table, _ := bytes.Cut(b, []byte("var syscallNames = [...]string{"))
	table, _, _ = bytes.Cut(table, []byte("\n}"))
	n := len(regexp.MustCompile(`(?m)^\s*\d+:\s+"`).FindAll(table, -1))
	if n == 0 {
		return 0, fmt.Errorf("no entries in syscallNames")
	}
	return n, nil
}

// kernelLines counts the non-blank lines of unigo's own kernel: the Go and
// assembly files (tests excluded) of boot, kernel, drivers, netstack and
// guest (the program's API, which was part of package kernel).
func kernelLines(root string) (int, error) {
	n := 0
	for _, dir := range []string{"boot", "kernel", "drivers", "netstack", "guest"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || strings.HasSuffix(p, "_test.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".s")) {
				return nil
			}
			c, err := countLines(p)
			n += c
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// moduleLines counts the non-blank Go lines that the packages in pkgs
// link in from module mod (e.g. gVisor's netstack).
func moduleLines(root, mod string, pkgs ...string) (int, error) {
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json"}, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for {
		var p struct {
			Dir     string
			GoFiles []string
			SFiles  []string
			Module  *struct{ Path string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		if p.Module == nil || p.Module.Path != mod {
			continue
		}
		for _, f := range append(p.GoFiles, p.SFiles...) {
			c, err := countLines(filepath.Join(p.Dir, f))
			if err != nil {
				return 0, err
			}
			n += c
		}
	}
	return n, nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if strings.TrimSpace(s.Text()) != "" {
			n++
		}
	}
	return n, s.Err()
}

// configOptions counts the options a Linux build configuration enables
// (=y built in, =m as modules).
func configOptions(path string) (builtin, modules int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "CONFIG_") && strings.HasSuffix(l, "=y"):
			builtin++
		case strings.HasPrefix(l, "CONFIG_") && strings.HasSuffix(l, "=m"):
			modules++
		}
	}
	return builtin, modules, nil
}
