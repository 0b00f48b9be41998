package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
)

// The container's network: a network namespace the bench creates, joined
// to the host by a veth pair (10.77.0.1 on the host, 10.77.0.2 inside).
const (
	netnsName   = "unigo-bench"
	vethHost    = "ubench0"
	vethGuest   = "ubench1"
	hostAddr    = "10.77.0.1/24"
	guestAddr   = "10.77.0.2/24"
	containerIP = "10.77.0.2"
)

// containerVariant runs the static binary as the only file of an OCI
// bundle with runc (Debian's package). The bundle's spec is runc's
// default (`runc spec`: its own pid, mount, ipc, uts and network
// namespaces, no user namespace, which runc cannot set up here) with a
// read-only root and, for httpd, the bench's network namespace.
type containerVariant struct {
	a       *artifacts
	bundles map[string]string
	seq     atomic.Int64
}

func (v *containerVariant) Name() string { return "container" }

func (v *containerVariant) Prepare(a *artifacts) error {
	v.a = a
	if os.Geteuid() != 0 {
		return errors.New("needs root (runc, network namespace)")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return errors.New("runc is missing: apt-get install -y runc")
	}
	if err := setupNetns(); err != nil {
		return err
	}
	v.bundles = map[string]string{}
	for name, bin := range a.natives {
		dir := filepath.Join(a.work, "bundle-"+name)
		if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755); err != nil {
			return err
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "rootfs", name), b, 0o755); err != nil {
			return err
		}
		args := []string{"/" + name}
		netns := ""
		if name == "httpd" {
			args = append(args, "-addr", ":8080")
			netns = "/var/run/netns/" + netnsName
		}
		if err := writeSpec(dir, args, netns); err != nil {
			return err
		}
		v.bundles[name] = dir
	}
	return nil
}

// writeSpec writes runc's default spec for dir, adjusted: the process,
// no terminal, a read-only root, and the network namespace path.
func writeSpec(dir string, args []string, netns string) error {
	os.Remove(filepath.Join(dir, "config.json"))
	if out, err := exec.Command("runc", "spec", "--bundle", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("runc spec: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		return err
	}
	proc := spec["process"].(map[string]any)
	proc["args"] = args
	proc["terminal"] = false
	spec["root"].(map[string]any)["readonly"] = true
	if netns != "" {
		linux := spec["linux"].(map[string]any)
		nss := linux["namespaces"].([]any)
		for _, ns := range nss {
			if m := ns.(map[string]any); m["type"] == "network" {
				m["path"] = netns
			}
		}
	}
	b, err = json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
}

func (v *containerVariant) Artifact() (int64, string) {
	d := v.bundles["httpd"]
	n, _ := fileSize(filepath.Join(d, "rootfs", "httpd"), filepath.Join(d, "config.json"))
	return n, "OCI bundle (binary + config.json)"
}

func (v *containerVariant) id(app string) string {
	return fmt.Sprintf("unigo-bench-%s-%d-%d", app, os.Getpid(), v.seq.Add(1))
}

func (v *containerVariant) Hello() (*exec.Cmd, func(), error) {
	id := v.id("hello")
	cmd := exec.Command("runc", "run", "--bundle", v.bundles["hello"], id)
	return cmd, func() { exec.Command("runc", "delete", "--force", id).Run() }, nil
}

func (v *containerVariant) Serve(int) (*server, error) {
	id := v.id("httpd")
	cmd := exec.Command("runc", "run", "--bundle", v.bundles["httpd"], id)
	return startServer(cmd, "http://"+containerIP+":8080/hello", func() {
		exec.Command("runc", "kill", id, "KILL").Run()
		exec.Command("runc", "delete", "--force", id).Run()
	})
}

// setupNetns creates the namespace and the veth pair (again, if a
// previous run left them behind).
func setupNetns() error {
	teardownNetns()
	steps := [][]string{
		{"netns", "add", netnsName},
		{"link", "add", vethHost, "type", "veth", "peer", "name", vethGuest},
		{"link", "set", vethGuest, "netns", netnsName},
		{"addr", "add", hostAddr, "dev", vethHost},
		{"link", "set", vethHost, "up"},
		{"-n", netnsName, "addr", "add", guestAddr, "dev", vethGuest},
		{"-n", netnsName, "link", "set", vethGuest, "up"},
		{"-n", netnsName, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			teardownNetns()
			return fmt.Errorf("ip %v: %v: %s", s, err, out)
		}
	}
	return nil
}

func teardownNetns() {
	exec.Command("ip", "link", "del", vethHost).Run()
	exec.Command("ip", "netns", "del", netnsName).Run()
}
