package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
)

// unigoVariant boots the unigo images with `unigo run` on microvm, as a
// user would.
type unigoVariant struct{ a *artifacts }

func (v *unigoVariant) Name() string { return "unigo" }

func (v *unigoVariant) Prepare(a *artifacts) error { v.a = a; return nil }

func (v *unigoVariant) Artifact() (int64, string) {
	n, _ := fileSize(v.a.images["httpd"])
	return n, "image (kernel + app + /www)"
}

func (v *unigoVariant) run(memMB int, extra ...string) *exec.Cmd {
	args := []string{"run", "-accel", v.a.accel, "-m", strconv.Itoa(memMB)}
	return exec.Command(v.a.unigo, append(args, extra...)...)
}

func (v *unigoVariant) Hello() (*exec.Cmd, func(), error) {
	return v.run(128, v.a.images["hello"]), func() {}, nil
}

func (v *unigoVariant) Serve(memMB int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := v.run(memMB, "-v", "-p", fmt.Sprintf("%d:8080", port), v.a.images["httpd"], "--", "-root", "/www")
	return startServer(cmd, fmt.Sprintf("http://127.0.0.1:%d/hello", port), nil)
}

// nativeVariant runs the Linux executables as host processes.
type nativeVariant struct{ a *artifacts }

func (v *nativeVariant) Name() string { return "native" }

func (v *nativeVariant) Prepare(a *artifacts) error { v.a = a; return nil }

func (v *nativeVariant) Artifact() (int64, string) {
	n, _ := fileSize(v.a.natives["httpd"])
	return n, "static executable"
}

func (v *nativeVariant) Hello() (*exec.Cmd, func(), error) {
	return exec.Command(v.a.natives["hello"]), func() {}, nil
}

func (v *nativeVariant) Serve(int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(v.a.natives["httpd"], "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-root", v.a.root+"/app/httpd/www")
	return startServer(cmd, fmt.Sprintf("http://127.0.0.1:%d/hello", port), nil)
}

// startServer starts cmd in its own process group, its output in a
// bounded log, and returns the server; stop kills the group and then runs
// after (when not nil).
func startServer(cmd *exec.Cmd, url string, after func()) (*server, error) {
	log := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = log, log
	if err := startGroup(cmd); err != nil {
		return nil, err
	}
	s := &server{url: url, cmd: cmd, done: make(chan struct{}), out: log}
	go func() { cmd.Wait(); close(s.done) }()
	live.add(cmd)
	s.stop = func() {
		live.remove(cmd)
		killGroup(cmd, s.done)
		if after != nil {
			after()
		}
		s.log = log.String()
	}
	return s, nil
}

// live is every server process group still running, for an interrupted
// run to kill: they run in process groups of their own.
var live = liveSet{m: map[*exec.Cmd]bool{}}

type liveSet struct {
	mu sync.Mutex
	m  map[*exec.Cmd]bool
}

func (l *liveSet) add(c *exec.Cmd)    { l.mu.Lock(); l.m[c] = true; l.mu.Unlock() }
func (l *liveSet) remove(c *exec.Cmd) { l.mu.Lock(); delete(l.m, c); l.mu.Unlock() }

// killAll kills every live server's process group.
func (l *liveSet) killAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.m {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
}
