package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseShare(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	rel, _ := filepath.Rel(wd, dir)
	for _, c := range []struct {
		in, host, guest string
		n               int
	}{
		{dir + ":/mnt/x", dir, "/mnt/x", 0},
		{dir + ":/mnt/x/../y/", dir, "/mnt/y", 1},
		{rel + ":/srv", dir, "/srv", 2},
	} {
		s, err := parseShare(c.in, c.n)
		if err != nil || s.Host != c.host || s.Guest != c.guest || s.Tag != "unigo"+string(rune('0'+c.n)) {
			t.Errorf("parseShare(%q, %d) = %+v, %v; want host %s guest %s tag unigo%d", c.in, c.n, s, err, c.host, c.guest, c.n)
		}
	}
	// Without GUEST, the guest sees the host's absolute path, as
	// programs that read runtime.GOROOT() expect.
	if s, err := parseShare("/usr", 0); err != nil || s.Guest != "/usr" {
		t.Errorf("parseShare(/usr) = %+v, %v; want guest /usr", s, err)
	}
	for _, bad := range []string{dir + "/missing", dir + ":rel", dir + ":/", dir + ":/tmp", dir + ":/tmp/a", dir} {
		if s, err := parseShare(bad, 0); err == nil {
			t.Errorf("parseShare(%q) = %+v, nil; want an error", bad, s)
		}
	}
	if _, err := parseShare("/usr:/a", maxShares); err == nil {
		t.Errorf("parseShare with %d shares already = nil error, want one", maxShares)
	}
}

func TestShareParams(t *testing.T) {
	o := &runOpts{}
	o.shares = append(o.shares, struct{ Host, Guest, Tag string }{"/h", "/a b,c", "unigo0"})
	if got, want := shareParams(o), " share=unigo0:/a%20b%2Cc"; got != want {
		t.Errorf("shareParams = %q, want %q", got, want)
	}
}
