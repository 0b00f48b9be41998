package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// The attack-surface counts are read from sources and files, not typed in.

// handledSyscalls counts the Linux system calls unigo's kernel handles:
// the distinct sysXxx constants named in the case clauses of kernel/sys
// (the calls it answers itself, hands to the file or socket server, or
// refuses with a specific errno). Everything else gets ENOSYS.
func handledSyscalls(root string) (int, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(root, "kernel", "sys", "*.go"))
	if err != nil {
		return 0, err
	}
	isLinux := regexp.MustCompile(`^sys[A-Z]`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return 0, err
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if id, ok := e.(*ast.Ident); ok && isLinux.MatchString(id.Name) {
						seen[id.Name] = true
					}
				}
			}
			return true
		})
	}
	if len(seen) == 0 {
		return 0, fmt.Errorf("no syscall cases found in %s/kernel/sys", root)
	}
	return len(seen), nil
}

// linuxSyscalls counts the entries of Linux's x86-64 system call table, as
// generated into kernel/sys/names.go from golang.org/x/sys/unix.
func linuxSyscalls(root string) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, "kernel", "sys", "names.go"))
	if err != nil {
		return 0, err
	}
	n := len(regexp.MustCompile(`(?m)^\s*\d+:\s+"`).FindAll(b, -1))
	if n == 0 {
		return 0, fmt.Errorf("no entries in names.go")
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
