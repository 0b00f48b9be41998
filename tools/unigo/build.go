package main

import (
	"fmt"
	"os"

	"unigo/tools/image"
)

const buildUsage = "usage: unigo build [-o IMAGE] TARGET\nTARGET is a main package (import path or directory) or a list of .go files."

// buildOpts are unigo build's flags.
type buildOpts struct {
	out, files string
	multiboot  bool
}

// buildCommand defines unigo build's flags, parsed into o.
func buildCommand(o *buildOpts) *command {
	c := newCommand("build", buildUsage)
	c.fs.StringVar(&o.out, "o", "", "output image `path` (default: NAME.img in the current directory)")
	c.fs.StringVar(&o.files, "files", "", "pack `DIR` into the image as its read-only root file system (/tmp stays a writable tmpfs)")
	c.fs.BoolVar(&o.multiboot, "multiboot", false, "activate the Multiboot v1 header, for boot loaders such as GRUB (QEMU then boots the file through Multiboot; unigo run copes either way)")
	return c
}

func buildCmd(args []string) int {
	var o buildOpts
	c := buildCommand(&o)
	if ok, status := c.parse(args); !ok {
		return status
	}
	if c.fs.NArg() == 0 {
		return c.fail("no TARGET given")
	}
	img, name, err := build(c.fs.Args(), o.files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo build: %v\n", err)
		return exitFailed
	}
	if o.multiboot {
		img = image.WithMultiboot(img)
	}
	if o.out == "" {
		o.out = name + ".img"
	}
	if err := os.WriteFile(o.out, img, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "unigo build: %v\n", err)
		return exitFailed
	}
	return 0
}

// build resolves the target (target.go) and compiles it with the kernel
// linked in (compile.go); name is the image's default name.
func build(targets []string, filesDir string) (img []byte, name string, err error) {
	r, err := root()
	if err != nil {
		return nil, "", err
	}
	t, err := resolveTarget(targets, r)
	if err != nil {
		return nil, "", err
	}
	img, err = compile(t, r, filesDir)
	return img, t.name, err
}
