package qemu_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shareTree makes a host directory with a small file, one larger than
// the kernel's 9P message size (read in several round trips), nested
// directories, an empty one and a relative symlink.
func shareTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "a.txt"), []byte("shared from the host\n"), 0o644))
	big := bytes.Repeat([]byte("0123456789abcdef"), 300000/16)
	for i := range big {
		big[i] ^= byte(i / 4096)
	}
	must(os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o600))
	must(os.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o755))
	must(os.Mkdir(filepath.Join(dir, "empty"), 0o700))
	must(os.WriteFile(filepath.Join(dir, "sub", "deeper", "c.txt"), []byte("deep\n"), 0o640))
	must(os.Symlink("sub/deeper/c.txt", filepath.Join(dir, "link")))
	return dir
}

// TestShare reads a host directory exported with -share on both virtio
// transports, and expects exactly what the same program prints on the
// host, plus writes refused with EACCES.
func TestShare(t *testing.T) {
	dir := shareTree(t)
	want := native(t, "share", nil, dir)
	if want.code != 0 || !strings.Contains(want.stdout, "big.bin -rw------- 300000") {
		t.Fatalf("share on the host = status %d\n%s%s", want.code, want.stdout, want.stderr)
	}
	for _, m := range []string{"microvm", "q35"} {
		t.Run(m, func(t *testing.T) {
			r := boot(t, "share", []string{"-machine", m, "-net", "none", "-share", dir + ":/mnt/host"}, "-write", "/mnt/host")
			got := strings.ReplaceAll(r.stdout, "/mnt/host", dir)
			wantOut := want.stdout + "overwrite is ErrPermission: true\nmkdir is ErrPermission: true\n"
			if r.code != 0 || got != wantOut {
				t.Errorf("share in a %s guest = status %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", m, r.code, got, wantOut, r.stderr)
			}
		})
	}
}

func TestShareBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, flags := range [][]string{
		{"-share", filepath.Join(dir, "missing")},
		{"-share", dir + ":relative"},
		{"-share", dir + ":/"},
		{"-share", dir + ":/tmp/x"},
		{"-share", dir + ":/a", "-share", dir + ":/b", "-share", dir + ":/c", "-share", dir + ":/d"},
	} {
		r := boot(t, "hello", flags)
		if r.code != 125 || !strings.Contains(r.stderr, "-share") {
			t.Errorf("unigo run %v = status %d, stderr %q; want 125 and a message naming -share", flags, r.code, r.stderr)
		}
	}
}
