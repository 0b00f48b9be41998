package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A TARGET of unigo build resolves to one of three kinds of program,
// each built differently (compile.go).
type targetKind int

const (
	// inUnigo: a main package of the unigo module itself, built where it
	// is: the module already has the kernel.
	inUnigo targetKind = iota
	// inOtherModule: a main package of another module, built where it is
	// with a temporary -modfile that adds unigo to its requirements.
	inOtherModule
	// looseFiles: .go files named on the command line, or a directory
	// outside any module: the files are mapped, unchanged, into a
	// temporary module that requires unigo.
	looseFiles
)

// target is a resolved TARGET.
type target struct {
	kind  targetKind
	name  string   // the image's default name: NAME.img
	dir   string   // inUnigo, inOtherModule: the package's directory
	gomod string   // inOtherModule: the program's go.mod
	files []string // looseFiles: the sources, absolute
}

// resolveTarget finds what the command line's TARGET names: an import
// path or directory of a main package, or a list of .go files in one
// directory. root is the unigo checkout.
func resolveTarget(args []string, root string) (target, error) {
	if isFileList(args) {
		return fileTarget(args)
	}
	if len(args) != 1 {
		return target{}, errors.New("give one package, or .go files")
	}
	return packageTarget(args[0], root)
}

// isFileList reports whether every argument names a .go file.
func isFileList(t []string) bool {
	for _, a := range t {
		if !strings.HasSuffix(a, ".go") {
			return false
		}
	}
	return true
}

// fileTarget checks that the named files exist, all in one directory;
// the image is named after the first.
func fileTarget(paths []string) (target, error) {
	var srcDir string
	var files []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return target{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return target{}, err
		}
		if srcDir != "" && filepath.Dir(abs) != srcDir {
			return target{}, errors.New("named files must all be in one directory")
		}
		srcDir = filepath.Dir(abs)
		files = append(files, abs)
	}
	return target{kind: looseFiles, name: fileImageName(paths[0]), files: files}, nil
}

// fileImageName is the default image name for a list of files: the
// first file's, without .go.
func fileImageName(first string) string {
	return strings.TrimSuffix(filepath.Base(first), ".go")
}

// packageTarget resolves an import path or directory, which must hold a
// main package; the image is named after its directory.
func packageTarget(arg, root string) (target, error) {
	pkgDir, gomod, pkgName, err := listPackage(arg)
	if err != nil {
		return target{}, err
	}
	if pkgName != "main" {
		return target{}, fmt.Errorf("%s is package %s, not a main package", arg, pkgName)
	}
	t := target{name: filepath.Base(pkgDir), dir: pkgDir}
	switch {
	case gomod == "":
		t.kind, t.dir = looseFiles, ""
		t.files, _ = filepath.Glob(filepath.Join(pkgDir, "*.go"))
	case sameFile(gomod, filepath.Join(root, "go.mod")):
		t.kind = inUnigo
	default:
		t.kind, t.gomod = inOtherModule, gomod
	}
	return t, nil
}

// listPackage resolves an import path or directory to its directory, its
// module's go.mod ("" outside modules) and its package name.
func listPackage(target string) (dir, gomod, name string, err error) {
	if st, e := os.Stat(target); e == nil && st.IsDir() {
		abs, _ := filepath.Abs(target)
		if gomod, e = moduleOf(abs); e != nil {
			return "", "", "", e
		}
		if gomod == "" {
			n, e := packageName(abs)
			return abs, "", n, e
		}
		target, dir = ".", abs
	}
	c := exec.Command("go", "list", "-f", goListFormat, target)
	c.Dir = dir
	c.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	var stderr strings.Builder
	c.Stderr = &stderr
	o, e := c.Output()
	if e != nil {
		return "", "", "", fmt.Errorf("cannot find package %s: %s", target, strings.TrimSpace(stderr.String()))
	}
	dir, gomod, name = parseGoList(string(o))
	return dir, gomod, name, nil
}

// goListFormat asks go list for what parseGoList reads: one line each.
const goListFormat = "{{.Dir}}\n{{if .Module}}{{.Module.GoMod}}{{end}}\n{{.Name}}"

// parseGoList splits go list's answer to goListFormat.
func parseGoList(out string) (dir, gomod, name string) {
	parts := strings.SplitN(out, "\n", 4)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], strings.TrimSpace(parts[2])
}

// moduleOf returns the go.mod of the module that holds directory dir, or
// "" when there is none.
func moduleOf(dir string) (string, error) {
	c := exec.Command("go", "env", "GOMOD")
	c.Dir = dir
	o, err := c.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD in %s: %v", dir, err)
	}
	return noModule(strings.TrimSpace(string(o))), nil
}

// noModule maps go env GOMOD's answers for "no module" ("", or the null
// device when modules are on) to "".
func noModule(gomod string) string {
	if gomod == os.DevNull {
		return ""
	}
	return gomod
}

// packageName reads the package clause of the first .go file in dir.
func packageName(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if name, ok := packageClause(string(b)); ok {
			return name, nil
		}
	}
	return "", fmt.Errorf("no Go files in %s", dir)
}

// packageClause returns the name in a Go source's first line that starts
// with "package ".
func packageClause(src string) (string, bool) {
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "package "); ok {
			return strings.Fields(rest)[0], true
		}
	}
	return "", false
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
