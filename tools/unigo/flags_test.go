package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// parseRun parses argv with unigo run's flags into buffers.
func parseRun(argv ...string) (o runOpts, ok bool, status int, stdout, stderr string) {
	c := runCommand(&o)
	var out, errs bytes.Buffer
	c.stdout, c.stderr = &out, &errs
	ok, status = c.parse(argv)
	return o, ok, status, out.String(), errs.String()
}

// TestBadFlagIsOneLine: a bad flag is reported in one line naming it,
// then a hint, with status 125; not with the whole usage.
func TestBadFlagIsOneLine(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"-m", "x", "a.img"}, `unigo run: -m: invalid value "x": not a number of MiB`},
		{[]string{"-smp", "two", "a.img"}, `unigo run: -smp: invalid value "two": not a number of CPUs`},
		{[]string{"-timeout", "soon", "a.img"}, `unigo run: -timeout: invalid value "soon": not a duration`},
		{[]string{"-p", "99999:80", "a.img"}, `unigo run: -p: invalid value "99999:80": bad port "99999"`},
		{[]string{"-e", "NOEQUALS", "a.img"}, `unigo run: -e: invalid value "NOEQUALS": want KEY=VALUE`},
		{[]string{"-bogus", "a.img"}, "unigo run: flag provided but not defined: -bogus"},
		{[]string{"-m"}, "unigo run: flag needs an argument: -m"},
	} {
		_, ok, status, stdout, stderr := parseRun(c.argv...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if ok || status != exitFailed || stdout != "" || len(lines) != 2 ||
			!strings.HasPrefix(lines[0], c.want) || lines[1] != "Run 'unigo run -h' for usage." {
			t.Errorf("unigo run %q: ok %v, status %d, stdout %q, stderr %q; want status %d, %q and the hint",
				c.argv, ok, status, stdout, stderr, exitFailed, c.want)
		}
	}
}

// TestHelpIsUsageOnStdout: -h prints the usage with every flag on stdout
// and asks for status 0.
func TestHelpIsUsageOnStdout(t *testing.T) {
	for _, h := range []string{"-h", "-help", "--help"} {
		_, ok, status, stdout, stderr := parseRun(h)
		if ok || status != 0 || stderr != "" || !strings.HasPrefix(stdout, runUsage+"\n") ||
			!strings.Contains(stdout, "-m MB") || !strings.Contains(stdout, "(default 128)") || !strings.Contains(stdout, "-timeout duration") {
			t.Errorf("unigo run %s: ok %v, status %d, stderr %q, stdout:\n%s", h, ok, status, stderr, stdout)
		}
	}
	var o buildOpts
	c := buildCommand(&o)
	var out, errs bytes.Buffer
	c.stdout, c.stderr = &out, &errs
	if ok, status := c.parse([]string{"-h"}); ok || status != 0 || errs.Len() != 0 || !strings.HasPrefix(out.String(), buildUsage) || !strings.Contains(out.String(), "-files DIR") {
		t.Errorf("unigo build -h: ok %v, status %d, stderr %q, stdout:\n%s", ok, status, errs.String(), out.String())
	}
}

// TestRunFlagsParse: the custom flag values parse as the flag package's
// did, and defaults hold.
func TestRunFlagsParse(t *testing.T) {
	o, ok, _, _, stderr := parseRun("-m", "256", "-smp", "2", "-timeout", "90s", "-v", "-e", "A=1", "-e", "B=2", "img", "--", "x")
	if !ok || o.mem != 256 || o.smp != 2 || o.timeout != 90*time.Second || !o.verbose || len(o.env) != 2 || stderr != "" {
		t.Errorf("parsed %+v, ok %v, stderr %q", o, ok, stderr)
	}
	o, ok, _, _, _ = parseRun("img")
	if !ok || o.mem != 128 || o.smp != 1 || o.timeout != 0 || o.accel != "auto" || o.machine != "microvm" || o.boot != "pvh" || o.net != "user" || o.nic != "virtio" {
		t.Errorf("defaults: %+v, ok %v", o, ok)
	}
}

func TestCheckRunOpts(t *testing.T) {
	base := func() runOpts {
		o, _, _, _, _ := parseRun("img")
		return o
	}
	if msg := checkRunOpts(&runOpts{mem: 128, smp: 1, accel: "auto", machine: "microvm", boot: "pvh", nic: "virtio"}); msg != "" {
		t.Errorf("defaults rejected: %s", msg)
	}
	for _, c := range []struct {
		set  func(*runOpts)
		want string
	}{
		{func(o *runOpts) { o.nic = "ne2000" }, "unknown -nic ne2000"},
		{func(o *runOpts) { o.nic = "e1000" }, "needs -machine pc or q35"},
		{func(o *runOpts) { o.nic = "e1000e"; o.machine = "q35" }, ""},
		{func(o *runOpts) { o.nic = "virtio-legacy" }, "needs -machine pc or q35"},
		{func(o *runOpts) { o.mem = 1 }, "-m must be at least 2"},
		{func(o *runOpts) { o.smp = 0 }, "-smp at least 1"},
		{func(o *runOpts) { o.boot = "bios" }, "unknown -boot"},
		{func(o *runOpts) { o.boot = "multiboot" }, "needs -machine pc or q35"},
		{func(o *runOpts) { o.accel = "hvf" }, "unknown -accel"},
	} {
		o := base()
		c.set(&o)
		if msg := checkRunOpts(&o); !strings.Contains(msg, c.want) || c.want == "" && msg != "" {
			t.Errorf("checkRunOpts(%+v) = %q, want %q", o, msg, c.want)
		}
	}
}
