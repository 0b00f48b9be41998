package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// A variant is one way of running the services. Every variant runs the
// same program: the unigo image and the Linux binary come from the same
// main package, and httpd serves the same /hello page in each.
type variant interface {
	Name() string
	// Prepare builds what the variant deploys; an error marks the
	// variant unavailable, with the error as the table's note.
	Prepare(a *artifacts) error
	// Artifact is the size in bytes of what is deployed to run httpd.
	Artifact() (int64, string)
	// Hello returns a command running app/hello whose stdout carries
	// the program's output.
	Hello() (*exec.Cmd, func(), error)
	// Serve starts app/httpd with memMB of guest memory (VMs only) and
	// returns its /hello URL.
	Serve(memMB int) (*server, error)
}

// server is one running httpd.
type server struct {
	url  string
	cmd  *exec.Cmd
	stop func()        // kills it and releases what it used
	done chan struct{} // closed when the process has exited
	log  string        // console log, for failure reports
	out  *tailBuffer   // the output so far
}

// artifacts are built once per run in a work directory.
type artifacts struct {
	root, work  string
	unigo       string            // the unigo CLI
	images      map[string]string // app -> unigo image
	natives     map[string]string // app -> static Linux executable
	accel       string            // kvm or tcg
	accelReason string
}

// apps are the two services, by name and main package.
var apps = map[string]string{"hello": "./app/hello", "httpd": "./app/httpd"}

// helloMarker is the first line app/hello prints.
const helloMarker = "Hello from unigo!"

func buildArtifacts(root string, accel, reason string) (*artifacts, error) {
	work, err := os.MkdirTemp("", "unigo-bench-")
	if err != nil {
		return nil, err
	}
	a := &artifacts{root: root, work: work, images: map[string]string{}, natives: map[string]string{}, accel: accel, accelReason: reason}
	a.unigo = filepath.Join(work, "unigo")
	if err := goCmd(root, "build", "-o", a.unigo, "./tools/unigo"); err != nil {
		return nil, err
	}
	for name, pkg := range apps {
		a.natives[name] = filepath.Join(work, name)
		if err := goCmd(root, "build", "-o", a.natives[name], pkg); err != nil {
			return nil, err
		}
		a.images[name] = filepath.Join(work, name+".img")
		args := []string{"build", "-o", a.images[name]}
		if name == "httpd" {
			args = append(args, "-files", "./app/httpd")
		}
		cmd := exec.Command(a.unigo, append(args, pkg)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("unigo build %s: %v\n%s", pkg, err, out)
		}
	}
	return a, nil
}

// goCmd runs the go command for a static linux/amd64 build.
func goCmd(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %v: %v\n%s", args, err, out)
	}
	return nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startGroup starts cmd in its own process group, so kill reaches the
// whole tree (unigo run and its QEMU, runc and its container).
func startGroup(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}

// killGroup kills cmd's process group and waits at most 10 s for done
// (closed by whoever waits for cmd).
func killGroup(cmd *exec.Cmd, done <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

func fileSize(paths ...string) (int64, error) {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}
