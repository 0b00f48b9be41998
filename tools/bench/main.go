// Command bench answers "can a unikernel replace a container?" with
// measurements: it runs the same two services, app/hello and app/httpd,
// four ways on this machine, in one run, interleaved A B C D A B C D so
// that machine drift cancels out:
//
//   - unigo: the unigo image on QEMU microvm (KVM, or TCG when /dev/kvm
//     does not open, labelled so);
//   - container: the same static binary as the only file of an OCI bundle
//     run by runc, in a network namespace reached through a veth pair;
//   - linux-vm: the same binary as /app of an initramfs on Debian's kernel,
//     on the same QEMU machine, memory, vCPUs and network backend as unigo;
//   - native: the same binary as a host process.
//
// It writes bench/results/DATE.md (table, machine, commands) and PNG
// charts beside it. `make bench` runs it; see the README's Benchmarks
// section for what each metric means.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

type options struct {
	rounds      int
	wrkDuration time.Duration
	connections int
	memMB       int
	out         string
	root        string
	variants    string
	bisect      bool
	surface     bool
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds (each variant measured once per round)")
	flag.DurationVar(&o.wrkDuration, "d", 5*time.Second, "wrk duration per measurement")
	flag.IntVar(&o.connections, "c", 8, "wrk connections")
	flag.IntVar(&o.memMB, "m", 128, "guest memory (MiB) for both VMs")
	flag.StringVar(&o.out, "out", "bench/results", "directory for the results file and charts")
	flag.StringVar(&o.variants, "variants", "unigo,container,linux-vm,native", "comma-separated variants to run")
	flag.BoolVar(&o.bisect, "bisect", true, "find the smallest guest memory that still serves (VMs)")
	flag.BoolVar(&o.surface, "surface", true, "count host syscalls with strace while serving")
	flag.Parse()
	root, err := checkoutRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	o.root = root
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(root, o.out)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// checkoutRoot is the directory holding go.mod and tools/bench.
func checkoutRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for ; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "bench", "main.go")); err == nil {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("run me inside the unigo checkout")
		}
	}
}

// progress prints one line of progress on stderr: a run takes minutes.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
