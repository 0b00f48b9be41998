package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unigo/tools/image"
)

// kernelImport is the file the builder adds to the program's main package
// through -overlay: the program's own files are never edited. It imports
// the kernel's server (unigo/kernel/server), which imports the kernel.
const kernelImport = "// Code added by unigo build; not part of the program's sources.\n\npackage main\n\nimport _ \"unigo/kernel/server\"\n"

const injectedName = "zz_unigo_kernel.go"

var errCompile = errors.New("compilation failed")

// buildEnv is the environment of every go command the builder runs: a
// static linux/amd64 program, in module mode, whatever the user's setup.
var buildEnv = []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod"}

// compilation is one run of go build over a resolved target, in a
// temporary directory that holds everything the builder adds.
type compilation struct {
	root    string            // the unigo checkout
	tmp     string            // the temporary directory
	overlay map[string]string // go build -overlay: path as built -> real file
	imports string            // the injected file's contents
	inject  string            // where the injected file is written
	dir     string            // where go build runs
	pkgArgs []string          // what it builds
	modArgs []string          // -modfile, when the program's module is not unigo
}

// compile builds t with the kernel (and filesDir, when given, as the root
// file system) linked in, and converts the executable into an image.
func compile(t target, root, filesDir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "unigo-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	c := &compilation{
		root: root, tmp: tmp, overlay: map[string]string{},
		imports: kernelImport, inject: filepath.Join(tmp, "kernel_import.go"),
	}
	if filesDir != "" {
		if err := c.addRootFS(filesDir); err != nil {
			return nil, err
		}
	}
	if err := c.writeImports(); err != nil {
		return nil, err
	}
	if err := c.place(t); err != nil {
		return nil, err
	}
	ovPath, err := c.writeOverlay()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), buildEnv...)
	if err := c.addNetIfUsed(ovPath, env); err != nil {
		return nil, err
	}
	exe, err := c.goBuild(ovPath, env)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Convert(exe)
	return img, err
}

// addRootFS adds a package that exists only in the overlay, inside the
// unigo module: it embeds filesDir's archive and hands it to the kernel.
func (c *compilation) addRootFS(filesDir string) error {
	archive, err := packRoot(filesDir)
	if err != nil {
		return err
	}
	for name, content := range map[string][]byte{"root.cpio": archive, "rootfs.go": []byte(rootfsPackage)} {
		p := filepath.Join(c.tmp, "rootfs-"+name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
		c.overlay[filepath.Join(c.root, "rootfs", name)] = p
	}
	c.imports += "\nimport _ \"unigo/rootfs\"\n"
	return nil
}

func (c *compilation) writeImports() error {
	return os.WriteFile(c.inject, []byte(c.imports), 0o644)
}

// place decides where go build runs and what it builds, and adds the
// injected file to the program's main package.
func (c *compilation) place(t target) error {
	switch t.kind {
	case looseFiles:
		// The files build in a module of their own that requires unigo:
		// the overlay places them (unchanged) beside the kernel import.
		appDir := filepath.Join(c.tmp, "app")
		for _, f := range t.files {
			c.overlay[filepath.Join(appDir, filepath.Base(f))] = f
		}
		c.overlay[filepath.Join(appDir, injectedName)] = c.inject
		c.dir, c.pkgArgs = c.tmp, []string{"./app"}
		return writeModule(c.tmp, c.root, "unigoapp", "", "")
	case inOtherModule:
		// A temporary modfile adds unigo to the module's requirements.
		gm, err := os.ReadFile(t.gomod)
		if err != nil {
			return err
		}
		sum, _ := os.ReadFile(strings.TrimSuffix(t.gomod, ".mod") + ".sum")
		if err := writeModule(c.tmp, c.root, "", string(gm), string(sum)); err != nil {
			return err
		}
		c.modArgs = []string{"-modfile", filepath.Join(c.tmp, "go.mod")}
	}
	// inUnigo and inOtherModule: built where the package is.
	c.overlay[filepath.Join(t.dir, injectedName)] = c.inject
	c.dir, c.pkgArgs = t.dir, []string{"."}
	return nil
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

// writeOverlay writes the -overlay file and returns its path.
func (c *compilation) writeOverlay() (string, error) {
	p := filepath.Join(c.tmp, "overlay.json")
	ov, _ := json.Marshal(map[string]any{"Replace": c.overlay})
	return p, os.WriteFile(p, ov, 0o644)
}

// addNetIfUsed links unigo/netstack (gVisor's netstack, the NIC drivers, the socket calls) into
// programs that use the network; the others carry none of it.
func (c *compilation) addNetIfUsed(ovPath string, env []string) error {
	usesNet, err := dependsOn("net", c.dir, ovPath, c.modArgs, c.pkgArgs, env)
	if err != nil || !usesNet {
		return err
	}
	c.imports += "\nimport _ \"unigo/netstack\"\n"
	return c.writeImports()
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

// goBuild runs go build, its messages on stderr, and returns the
// executable.
func (c *compilation) goBuild(ovPath string, env []string) ([]byte, error) {
	elfPath := filepath.Join(c.tmp, "program.elf")
	args := append([]string{"build", "-overlay", ovPath, "-o", elfPath}, c.modArgs...)
	args = append(args, c.pkgArgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = c.dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, errCompile
	}
	return os.ReadFile(elfPath)
}
