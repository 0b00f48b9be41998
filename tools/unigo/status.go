package main

import "unigo/kernel/abi/linux"

// Exit statuses of unigo itself, after docker run's convention (the
// package comment lists them with the guest's): none is a status a Go
// program exits with on its own (0, 1, os.Exit's choice, 2 for a panic),
// so the guest's status passes through unmistaken.
const (
	// exitTimeout: -timeout expired, as timeout(1) reports it.
	exitTimeout = 124
	// exitFailed: unigo failed (bad command, flag or argument, compile
	// errors, cannot write the image, QEMU failed to start or died
	// abnormally), as docker run's 125.
	exitFailed = 125
	// exitBadImage: the image cannot be booted (unreadable, not a unigo
	// image, malformed, -m too small for it), as a shell's 126 for a
	// file it cannot execute.
	exitBadImage = 126
	// exitNoQEMU: qemu-system-x86_64 is not in $PATH, as a shell's 127
	// for a command not found.
	exitNoQEMU = 127
	// exitKernelFatal: the unigo kernel stopped the guest. It is the
	// kernel's kernel.ExitKernelFatal (kernel/kernel.go), copied because
	// importing the kernel would link it into this tool;
	// TestKernelFatalStatusAgrees checks the two agree.
	exitKernelFatal = signalStatusBase + int(linux.SIGKILL)
)

// signalStatusBase + n is how a POSIX shell reports a process killed by
// signal n (POSIX.1-2017, Shell Command Language, 2.8.2 Exit Status for
// Commands: "greater than 128"; bash, dash and zsh use 128+n).
const signalStatusBase = 128
