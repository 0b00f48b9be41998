package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tailBuffer is an io.Writer keeping the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// helloLast is what app/hello's last line on stdout starts with.
const helloLast = "GC cycles"

// coldHello starts app/hello and returns the time from launch to the first
// byte of its output (the chunk that carries helloMarker; a VM's console
// may print before it). Once the program's last line is out it stops it:
// a Linux guest whose init exits panics and may not power off.
func coldHello(v variant, timeout time.Duration) (time.Duration, error) {
	cmd, cleanup, err := v.Hello()
	if err != nil {
		return 0, err
	}
	defer cleanup()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr tailBuffer
	stderr.max = 8 << 10
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := startGroup(cmd); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	type seen struct {
		first time.Duration
		out   string
		err   error
	}
	result := make(chan seen, 1)
	go func() {
		var all bytes.Buffer
		var first time.Duration
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			all.Write(buf[:n])
			if first == 0 && bytes.Contains(all.Bytes(), []byte(helloMarker)) {
				first = time.Since(t0)
			}
			if i := bytes.Index(all.Bytes(), []byte(helloLast)); i >= 0 && bytes.IndexByte(all.Bytes()[i:], '\n') >= 0 {
				result <- seen{first, all.String(), nil}
				io.Copy(io.Discard, stdout)
				return
			}
			if err != nil {
				result <- seen{first, all.String(), err}
				return
			}
		}
	}()
	var s seen
	select {
	case s = <-result:
	case <-time.After(timeout):
		go func() { cmd.Wait(); close(done) }()
		killGroup(cmd, done)
		return 0, fmt.Errorf("no complete output in %v; stderr: %s", timeout, lastLines(stderr.String(), 5))
	}
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		killGroup(cmd, done)
	}
	if s.err != nil || s.first == 0 {
		return 0, fmt.Errorf("output lacks %q or %q: %s", helloMarker, helloLast, lastLines(s.out+stderr.String(), 5))
	}
	return s.first, nil
}

// client never reuses connections: each probe is a fresh connect, as a
// load balancer's health check would be.
var client = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// probeEvery is how often waitHTTP starts a probe. Probes overlap: a VM's
// port forward accepts a connection before the guest listens and may
// hold it until a timeout (QEMU's user networking loses the SYN it sent
// to a guest whose NIC is not up yet), so waiting for one probe at a time
// would measure the probe's timeout, not the service.
const probeEvery = 2 * time.Millisecond

// waitHTTP probes the server's /hello until one probe gets 200 with
// httpd's page, and returns the time since t0 at which that answer came.
func waitHTTP(s *server, t0 time.Time, timeout time.Duration) (time.Duration, error) {
	type answer struct {
		d   time.Duration
		err error
	}
	got := make(chan answer, 1)
	stop := make(chan struct{})
	defer close(stop)
	probe := func() {
		r, err := client.Get(s.url)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 {
			return
		}
		a := answer{d: time.Since(t0)}
		if string(body) != "hello\n" {
			a.err = fmt.Errorf("%s answered %q, want httpd's hello", s.url, body)
		}
		select {
		case got <- a:
		default:
		}
	}
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	deadline := time.After(time.Until(t0.Add(timeout)))
	inFlight := make(chan struct{}, 256) // bounds the probes waiting at once
	for {
		select {
		case a := <-got:
			return a.d, a.err
		case <-s.done:
			return 0, errors.New("exited before serving")
		case <-deadline:
			return 0, fmt.Errorf("no HTTP 200 in %v", timeout)
		case <-tick.C:
			select {
			case inFlight <- struct{}{}:
				go func() { defer func() { <-inFlight }(); probe() }()
			default:
			}
		}
	}
}

// treeRSS sums VmRSS (bytes) over pid and all its descendants.
func treeRSS(pid int) (int64, error) {
	var total int64
	for _, p := range treePIDs(pid) {
		total += rss(p)
	}
	if total == 0 {
		return 0, fmt.Errorf("no RSS for process %d", pid)
	}
	return total, nil
}

// treePIDs lists pid and its descendants.
func treePIDs(pid int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			if pp := ppid(p); pp > 0 {
				children[pp] = append(children[pp], p)
			}
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// ppid reads the parent of p from /proc/p/stat (field 4, after the
// parenthesised command name, which may hold spaces).
func ppid(p int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func rss(p int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// wrkRun runs wrk against url and returns its raw output.
func wrkRun(url string, o options) (string, error) {
	out, err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(o.connections),
		"-d"+o.wrkDuration.String(), "--latency", url).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk: %v: %s", err, lastLines(string(out), 5))
	}
	return string(out), nil
}

// straceWhileLoaded attaches strace -c -f to every process of the
// server's tree while wrk loads it for d, and returns strace's summary.
func straceWhileLoaded(s *server, d time.Duration, o options) (string, error) {
	out, err := os.CreateTemp("", "unigo-bench-strace-")
	if err != nil {
		return "", err
	}
	out.Close()
	defer os.Remove(out.Name())
	args := []string{"-c", "-f", "-q", "-o", out.Name()}
	for _, p := range treePIDs(s.cmd.Process.Pid) {
		args = append(args, "-p", strconv.Itoa(p))
	}
	st := exec.Command("strace", args...)
	var serr tailBuffer
	serr.max = 4 << 10
	st.Stderr = &serr
	if err := st.Start(); err != nil {
		return "", err
	}
	time.Sleep(500 * time.Millisecond) // attached
	exec.Command("wrk", "-t1", "-c"+strconv.Itoa(o.connections), "-d"+d.String(), s.url).Run()
	st.Process.Signal(syscall.SIGINT)
	waited := make(chan error, 1)
	go func() { waited <- st.Wait() }()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		st.Process.Kill()
		return "", errors.New("strace did not detach")
	}
	b, err := os.ReadFile(out.Name())
	if err != nil || len(b) == 0 {
		return "", fmt.Errorf("strace wrote nothing: %s", lastLines(serr.String(), 3))
	}
	return string(b), nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " | ")
}
