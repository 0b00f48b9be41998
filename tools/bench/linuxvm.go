package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"unigo/qemu"
	"unigo/tools/linuxvm"
)

// linuxVariant boots the same Linux executable as /app of an initramfs on
// Debian's kernel (tools/linuxvm), on unigo's QEMU machine type, memory,
// vCPU count and network backend.
type linuxVariant struct {
	a       *artifacts
	kernel  string
	config  string // the kernel's build configuration
	initrds map[string]string
	seq     int
}

func (v *linuxVariant) Name() string { return "linux-vm" }

// KernelCache is where Debian's kernel package is unpacked between runs.
var kernelCache = filepath.Join(os.TempDir(), "unigo-bench-cache")

func (v *linuxVariant) Prepare(a *artifacts) error {
	v.a = a
	k, modules, err := linuxvm.Kernel(kernelCache)
	if err != nil {
		return err
	}
	v.kernel = k
	if cs, _ := filepath.Glob(filepath.Join(filepath.Dir(k), "config-*")); len(cs) > 0 {
		v.config = cs[0]
	}
	v.initrds = map[string]string{}
	for name, bin := range a.natives {
		out := filepath.Join(a.work, name+"-initrd.cpio")
		if err := linuxvm.Initramfs(out, a.root, modules, bin, nil); err != nil {
			return err
		}
		v.initrds[name] = out
	}
	return nil
}

func (v *linuxVariant) Artifact() (int64, string) {
	n, _ := fileSize(v.kernel, v.initrds["httpd"])
	return n, "vmlinuz + initramfs (modules, /init, app)"
}

func (v *linuxVariant) qemu(app string, memMB int, forwards []string, serial string, args ...string) *exec.Cmd {
	return exec.Command(qemu.Binary, linuxvm.Args(linuxvm.Config{
		Kernel: v.kernel, Initrd: v.initrds[app], Accel: v.a.accel, MemMB: memMB,
		Forwards: forwards, Serial: serial, AppArgs: args,
	})...)
}

func (v *linuxVariant) Hello() (*exec.Cmd, func(), error) {
	return v.qemu("hello", 128, nil, "stdio"), func() {}, nil
}

func (v *linuxVariant) Serve(memMB int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	v.seq++
	console := filepath.Join(v.a.work, fmt.Sprintf("linux-console-%d.log", v.seq))
	cmd := v.qemu("httpd", memMB, []string{fmt.Sprintf("tcp:%d:8080", port)}, "file:"+console)
	s, err := startServer(cmd, fmt.Sprintf("http://127.0.0.1:%d/hello", port), nil)
	if err != nil {
		return nil, err
	}
	stop := s.stop
	s.stop = func() {
		stop()
		if b, err := os.ReadFile(console); err == nil {
			s.log += string(b)
		}
	}
	return s, nil
}
