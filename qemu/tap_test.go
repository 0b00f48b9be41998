package qemu_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A guest on a tap device reaches a host server in a network namespace
// the test creates. QEMU's tap backend carries virtio-net headers
// (vnet_hdr), so the device offers checksum offload: the guest's frames
// leave with only a pseudo-header checksum that the host completes, and
// the host's arrive with partial checksums the guest's driver completes.
// A wrong offset or sum on either side loses the transfer, which the
// digests catch; the guest's counters show that offload was in use.

// tapServerEnv, when set, turns the test binary into the host-side
// server (run by TestMain inside the namespace): GET /big answers
// tapBig pattern bytes, POST /sum the length and digest of the body.
const (
	tapServerEnv = "UNIGO_TAP_SERVER"
	tapBig       = 2 << 20
	tapPost      = 1000000
	tapHost      = "10.0.9.1"
	tapGuest     = "10.0.9.2"
	tapDev       = "utap0"
)

// tapPattern is netcheck's post body: byte i is i*7+i/251.
func tapPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// tapServe is the host side; it prints "ready" once it listens.
func tapServe(addr string) {
	big := tapPattern(tapBig)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "n=%d sha256=%x\n", n, h.Sum(nil))
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	srv := &http.Server{Handler: mux, ReadTimeout: 2 * time.Minute}
	fmt.Println(srv.Serve(l))
	os.Exit(1)
}

func TestTapChecksumOffload(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a network namespace and a tap device needs root (make test runs as root)")
	}
	ns := fmt.Sprintf("unigo-tap-%d", os.Getpid())
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	in := func(args ...string) []string { return append([]string{"ip", "netns", "exec", ns}, args...) }
	sh("ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	sh(in("ip", "link", "set", "lo", "up")...)
	sh(in("ip", "tuntap", "add", "dev", tapDev, "mode", "tap")...)
	sh(in("ip", "addr", "add", tapHost+"/24", "dev", tapDev)...)
	sh(in("ip", "link", "set", tapDev, "up")...)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srvArgs := in(self)
	srv := exec.Command(srvArgs[0], srvArgs[1:]...)
	srv.Env = append(os.Environ(), tapServerEnv+"="+tapHost+":8080")
	out, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "ready" {
			t.Fatalf("host server: %q, want ready", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("host server did not start within 30s")
	}

	bigSum := sha256.Sum256(tapPattern(tapBig))
	postSum := sha256.Sum256(tapPattern(tapPost))
	base := "http://" + tapHost + ":8080"
	wantFetch := fmt.Sprintf("fetch %s/big: 200 %d bytes sha256 %x\n", base, tapBig, bigSum)
	wantPost := fmt.Sprintf("post %s/sum: 200 n=%d sha256=%x\n", base, tapPost, postSum)
	stats := regexp.MustCompile(`netstats ok=true features=\[([^\]]*)\] mtu=(\d+) link=true tx_csum_offloaded=(\d+) rx_csum_completed=(\d+) `)
	// virtio-mmio, virtio-pci, and the legacy interface with its 10-byte
	// header, whose checksum fields sit at the same offsets.
	for _, c := range []struct{ machine, nic, features string }{
		{"microvm", "virtio", "CSUM GUEST_CSUM EVENT_IDX MRG_RXBUF VERSION_1"},
		{"q35", "virtio", "CSUM GUEST_CSUM EVENT_IDX MRG_RXBUF VERSION_1"},
		{"pc", "virtio-legacy", "CSUM GUEST_CSUM EVENT_IDX"},
	} {
		t.Run(c.machine+"/"+c.nic, func(t *testing.T) {
			args := in(unigoBin, "run", "-accel", accel, "-machine", c.machine, "-nic", c.nic, "-timeout", "150s",
				"-net", "tap:"+tapDev, "-ip", tapGuest+"/24", "-gw", tapHost,
				images["netcheck"], "--", "fetch", base+"/big", "post", base+"/sum", strconv.Itoa(tapPost), "netstats")
			r := execute(t, 3*time.Minute, nil, args[0], args[1:]...)
			if r.code != 0 || !strings.Contains(r.stdout, wantFetch) || !strings.Contains(r.stdout, wantPost) {
				t.Fatalf("netcheck over tap = status %d\nstdout %q\nwant %q and %q\nstderr %s", r.code, r.stdout, wantFetch, wantPost, r.stderr)
			}
			m := stats.FindStringSubmatch(r.stdout)
			if m == nil {
				t.Fatalf("netstats line missing or wrong: %q", r.stdout)
			}
			for _, f := range strings.Fields(c.features) {
				if !bytes.Contains([]byte(" "+m[1]+" "), []byte(" "+f+" ")) {
					t.Errorf("negotiated features [%s] lack %s (tap with vnet_hdr offers it)", m[1], f)
				}
			}
			if m[2] != "1500" {
				t.Errorf("MTU = %s, want 1500", m[2])
			}
			if tx, _ := strconv.Atoi(m[3]); tx == 0 {
				t.Errorf("tx_csum_offloaded = 0 after a %d-byte POST, want > 0", tapPost)
			}
			if rx, _ := strconv.Atoi(m[4]); rx == 0 {
				t.Errorf("rx_csum_completed = 0 after a %d-byte download from the host, want > 0", tapBig)
			}
		})
	}
}
