package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unigo/tools/image"
)

// kernelImport is the file the builder adds to the program's main package
// through -overlay: the program's own files are never edited.
const kernelImport = "// Code added by unigo build; not part of the program's sources.\n\npackage main\n\nimport _ \"unigo/kernel\"\n"

const injectedName = "zz_unigo_kernel.go"

func buildCmd(args []string) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("o", "", "output image `path` (default: NAME.img in the current directory)")
	files := fs.String("files", "", "pack `DIR` into the image as its read-only root file system (/tmp stays a writable tmpfs)")
	multiboot := fs.Bool("multiboot", false, "activate the Multiboot v1 header, for boot loaders such as GRUB (QEMU then boots the file through Multiboot; unigo run copes either way)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: unigo build [-o IMAGE] TARGET\nTARGET is a main package (import path or directory) or a list of .go files.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	img, name, err := build(fs.Args(), *files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo build: %v\n", err)
		return exitSetup
	}
	if *multiboot {
		img = image.WithMultiboot(img)
	}
	if *out == "" {
		*out = name + ".img"
	}
	if err := os.WriteFile(*out, img, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "unigo build: %v\n", err)
		return exitSetup
	}
	return 0
}

var errCompile = errors.New("compilation failed")

// build compiles the target with the kernel linked in and converts it.
func build(targets []string, filesDir string) (img []byte, name string, err error) {
	r, err := root()
	if err != nil {
		return nil, "", err
	}
	tmp, err := os.MkdirTemp("", "unigo-build-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(tmp)
	overlay := map[string]string{}
	imports := kernelImport
	if filesDir != "" {
		// A package that exists only in the overlay, inside the unigo
		// module: it embeds the archive and hands it to the kernel.
		archive, err := packRoot(filesDir)
		if err != nil {
			return nil, "", err
		}
		for name, content := range map[string][]byte{"root.cpio": archive, "rootfs.go": []byte(rootfsPackage)} {
			p := filepath.Join(tmp, "rootfs-"+name)
			if err := os.WriteFile(p, content, 0o644); err != nil {
				return nil, "", err
			}
			overlay[filepath.Join(r, "rootfs", name)] = p
		}
		imports += "\nimport _ \"unigo/rootfs\"\n"
	}
	inject := filepath.Join(tmp, "kernel_import.go")
	if err := os.WriteFile(inject, []byte(imports), 0o644); err != nil {
		return nil, "", err
	}
	var dir string       // where go build runs
	var pkgArgs []string // what it builds
	var modArgs []string // -modfile, when the program's module is not unigo

	if isFileList(targets) {
		var srcDir string
		for _, t := range targets {
			abs, err := filepath.Abs(t)
			if err != nil {
				return nil, "", err
			}
			if _, err := os.Stat(abs); err != nil {
				return nil, "", err
			}
			if srcDir != "" && filepath.Dir(abs) != srcDir {
				return nil, "", errors.New("named files must all be in one directory")
			}
			srcDir = filepath.Dir(abs)
		}
		name = strings.TrimSuffix(filepath.Base(targets[0]), ".go")
		// Files build in a module of their own that requires unigo: the
		// overlay places them (unchanged) beside the kernel import.
		appDir := filepath.Join(tmp, "app")
		for _, t := range targets {
			abs, _ := filepath.Abs(t)
			overlay[filepath.Join(appDir, filepath.Base(abs))] = abs
		}
		overlay[filepath.Join(appDir, injectedName)] = inject
		if err := writeModule(tmp, r, "unigoapp", "", ""); err != nil {
			return nil, "", err
		}
		dir, pkgArgs = tmp, []string{"./app"}
	} else {
		if len(targets) != 1 {
			return nil, "", errors.New("give one package, or .go files")
		}
		pkgDir, gomod, pkgName, err := listPackage(targets[0])
		if err != nil {
			return nil, "", err
		}
		if pkgName != "main" {
			return nil, "", fmt.Errorf("%s is package %s, not a main package", targets[0], pkgName)
		}
		name = filepath.Base(pkgDir)
		overlay[filepath.Join(pkgDir, injectedName)] = inject
		dir, pkgArgs = pkgDir, []string{"."}
		ownMod := filepath.Join(r, "go.mod")
		switch {
		case gomod == "":
			// A directory outside any module: map its files into a module.
			appDir := filepath.Join(tmp, "app")
			ents, _ := filepath.Glob(filepath.Join(pkgDir, "*.go"))
			for _, e := range ents {
				overlay[filepath.Join(appDir, filepath.Base(e))] = e
			}
			overlay[filepath.Join(appDir, injectedName)] = inject
			if err := writeModule(tmp, r, "unigoapp", "", ""); err != nil {
				return nil, "", err
			}
			dir, pkgArgs = tmp, []string{"./app"}
		case sameFile(gomod, ownMod):
			// Inside the unigo module: nothing to add.
		default:
			// Another module: a temporary modfile adds unigo to its requirements.
			gm, err := os.ReadFile(gomod)
			if err != nil {
				return nil, "", err
			}
			sum, _ := os.ReadFile(strings.TrimSuffix(gomod, ".mod") + ".sum")
			if err := writeModule(tmp, r, "", string(gm), string(sum)); err != nil {
				return nil, "", err
			}
			modArgs = []string{"-modfile", filepath.Join(tmp, "go.mod")}
		}
	}

	ovPath := filepath.Join(tmp, "overlay.json")
	writeOverlay := func() error {
		ov, _ := json.Marshal(map[string]any{"Replace": overlay})
		return os.WriteFile(ovPath, ov, 0o644)
	}
	if err := writeOverlay(); err != nil {
		return nil, "", err
	}
	env := append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
	// Programs that use the network get unigo/netstack (gVisor's
	// netstack, the NIC drivers, the socket calls); the others carry none
	// of it.
	if usesNet, err := dependsOn("net", dir, ovPath, modArgs, pkgArgs, env); err != nil {
		return nil, "", err
	} else if usesNet {
		imports += "\nimport _ \"unigo/netstack\"\n"
		if err := os.WriteFile(inject, []byte(imports), 0o644); err != nil {
			return nil, "", err
		}
	}
	elfPath := filepath.Join(tmp, "program.elf")
	args := append([]string{"build", "-overlay", ovPath, "-o", elfPath}, modArgs...)
	args = append(args, pkgArgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, "", errCompile
	}
	exe, err := os.ReadFile(elfPath)
	if err != nil {
		return nil, "", err
	}
	img, _, err = image.Convert(exe)
	return img, name, err
}

func isFileList(t []string) bool {
	for _, a := range t {
		if !strings.HasSuffix(a, ".go") {
			return false
		}
	}
	return true
}

// listPackage resolves an import path or directory to its directory, its
// module's go.mod ("" outside modules) and its package name.
func listPackage(target string) (dir, gomod, name string, err error) {
	if st, e := os.Stat(target); e == nil && st.IsDir() {
		abs, _ := filepath.Abs(target)
		c := exec.Command("go", "env", "GOMOD")
		c.Dir = abs
		o, e := c.Output()
		if e != nil {
			return "", "", "", fmt.Errorf("go env GOMOD in %s: %v", abs, e)
		}
		gomod = strings.TrimSpace(string(o))
		if gomod == os.DevNull {
			gomod = ""
		}
		if gomod == "" {
			n, e := packageName(abs)
			return abs, "", n, e
		}
		target, dir = ".", abs
	}
	c := exec.Command("go", "list", "-f", "{{.Dir}}\n{{if .Module}}{{.Module.GoMod}}{{end}}\n{{.Name}}", target)
	c.Dir = dir
	c.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	var stderr strings.Builder
	c.Stderr = &stderr
	o, e := c.Output()
	if e != nil {
		return "", "", "", fmt.Errorf("cannot find package %s: %s", target, strings.TrimSpace(stderr.String()))
	}
	parts := strings.Split(string(o), "\n")
	return parts[0], parts[1], parts[2], nil
}

// packageName reads the package clause of the first .go file in dir.
func packageName(dir string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "package "); ok {
				return strings.Fields(rest)[0], nil
			}
		}
	}
	return "", fmt.Errorf("no Go files in %s", dir)
}

// writeModule writes tmp/go.mod (and go.sum) requiring unigo from root:
// either a fresh module, or the program's own go.mod with unigo added.
func writeModule(tmp, root, module, gomod, gosum string) error {
	if gomod == "" {
		gomod = "module " + module + "\n\ngo 1.26\n"
	}
	gomod += "\nrequire unigo v0.0.0\n\nreplace unigo => " + root + "\n"
	own, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tmp, "go.sum"), []byte(gosum+string(own)), 0o644)
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// dependsOn reports whether the program imports pkg, directly or not.
func dependsOn(pkg, dir, overlay string, modArgs, pkgArgs, env []string) (bool, error) {
	args := append([]string{"list", "-overlay", overlay, "-deps", "-f", "{{.ImportPath}}"}, modArgs...)
	cmd := exec.Command("go", append(args, pkgArgs...)...)
	cmd.Dir, cmd.Env = dir, env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.Stderr.WriteString(stderr.String())
		return false, errCompile
	}
	for _, p := range strings.Fields(string(out)) {
		if p == pkg {
			return true, nil
		}
	}
	return false, nil
}
