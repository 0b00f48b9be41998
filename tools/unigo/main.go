// Command unigo builds an unmodified Go main package into a bootable
// unigo image and boots it under QEMU.
//
//	unigo build [-o IMAGE] TARGET
//	unigo run [flags] IMAGE [-- ARGS...]
//
// Exit statuses follow the convention of docker run: the guest's status
// passes through untouched, and unigo's own failures take statuses a Go
// program does not exit with on its own, so a script can tell them apart:
//
//	0..255  unigo run: the guest's status (os.Exit(n); 2 for a Go panic;
//	        128+n when a signal n with no handler killed the program)
//	124     -timeout expired and the guest was stopped (as timeout(1))
//	125     unigo itself failed: bad command, flag or argument, compile
//	        errors, the image cannot be written, QEMU failed to start or
//	        died abnormally
//	126     the image cannot be booted: unreadable, not a unigo image,
//	        malformed, or -m too small for it
//	127     QEMU (qemu-system-x86_64) is not installed: not found in $PATH
//	137     fatal kernel error (128+SIGKILL, as a shell reports a process
//	        the kernel killed; the register dump on stderr tells it apart)
//
// unigo -h, unigo build -h and unigo run -h print usage on stdout and exit 0.
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

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(exitFailed)
	}
	switch os.Args[1] {
	case "build":
		os.Exit(buildCmd(os.Args[2:]))
	case "run":
		os.Exit(runCmd(os.Args[2:]))
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unigo: unknown command %q\nRun 'unigo -h' for usage.\n", os.Args[1])
		os.Exit(exitFailed)
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
