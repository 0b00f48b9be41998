// Command unigo builds an unmodified Go main package into a bootable
// unigo image and boots it under QEMU.
//
//	unigo build [-o IMAGE] TARGET
//	unigo run [flags] IMAGE [-- ARGS...]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

const usage = `usage:
  unigo build [-o IMAGE] TARGET      TARGET: a main package (import path or directory) or .go files
  unigo run [flags] IMAGE [-- ARGS...]
Run "unigo build -h" or "unigo run -h" for flags.
`

// Exit statuses of unigo itself (the guest's own status passes through).
const (
	exitUsage       = 2   // bad flags or arguments
	exitSetup       = 1   // cannot build or start: bad image, QEMU missing, compile errors
	exitTimeout     = 124 // -timeout expired (as timeout(1))
	exitKernelFatal = 125 // the unigo kernel stopped the guest (kernel.ExitKernelFatal)
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(exitUsage)
	}
	switch os.Args[1] {
	case "build":
		os.Exit(buildCmd(os.Args[2:]))
	case "run":
		os.Exit(runCmd(os.Args[2:]))
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unigo: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(exitUsage)
	}
}

// root returns the unigo checkout that holds the kernel sources: $UNIGO_ROOT,
// or the checkout this tool was compiled from.
func root() (string, error) {
	if r := os.Getenv("UNIGO_ROOT"); r != "" {
		return r, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if ok {
		r := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if _, err := os.Stat(filepath.Join(r, "kernel", "kernel.go")); err == nil {
			return r, nil
		}
	}
	return "", fmt.Errorf("cannot find the unigo sources: set UNIGO_ROOT to the checkout")
}
