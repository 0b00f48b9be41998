package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestKernelFatalStatusAgrees: the tool's copy of the fatal kernel
// status is the kernel's kernel.ExitKernelFatal, read from its source
// (importing the kernel would link it into the test).
func TestKernelFatalStatusAgrees(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "..", "kernel", "kernel.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var expr ast.Expr
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "ExitKernelFatal" && len(vs.Values) == 1 {
			expr = vs.Values[0]
		}
		return expr == nil
	})
	if expr == nil {
		t.Fatal("kernel/kernel.go has no constant ExitKernelFatal")
	}
	tv, err := types.Eval(fset, nil, expr.Pos(), types.ExprString(expr))
	if err != nil || tv.Value == nil {
		t.Fatalf("ExitKernelFatal = %s: not a constant expression unigo can evaluate (%v)", types.ExprString(expr), err)
	}
	if got := tv.Value.String(); got != "137" || exitKernelFatal != 137 {
		t.Errorf("kernel.ExitKernelFatal = %s, tools/unigo's exitKernelFatal = %d; want both 137 (128+SIGKILL)", got, exitKernelFatal)
	}
}

// TestStatusesAreDistinct: unigo's own statuses collide neither with each
// other nor with what a Go program exits with by itself (0, 1, 2).
func TestStatusesAreDistinct(t *testing.T) {
	seen := map[int]string{0: "success", 1: "os.Exit(1)", 2: "Go panic"}
	for _, s := range []struct {
		name string
		code int
	}{{"timeout", exitTimeout}, {"failed", exitFailed}, {"bad image", exitBadImage}, {"no QEMU", exitNoQEMU}, {"kernel fatal", exitKernelFatal}} {
		if other, dup := seen[s.code]; dup {
			t.Errorf("status %d means both %s and %s", s.code, s.name, other)
		}
		seen[s.code] = s.name
	}
}

// TestQEMUStatus: without the guest's exit record, QEMU's own ending
// decides: isa-debug-exit's (n<<1)|1 is the guest's n, QEMU killed or
// complaining is unigo's failure, and a silent stop is the kernel's.
func TestQEMUStatus(t *testing.T) {
	for _, c := range []struct {
		script, msg string
		want        int
	}{
		{"exit 15", "", 7},                // isa-debug-exit wrote 7
		{"kill -KILL $$", "", exitFailed}, // QEMU died by a signal
		{"exit 1", "qemu: bad option", exitFailed},
		{"exit 0", "", exitKernelFatal}, // a CPU reset with -no-reboot: no status at all
	} {
		err := exec.Command("/bin/sh", "-c", c.script).Run()
		if got, _ := qemuStatus(err, c.msg); got != c.want {
			t.Errorf("QEMU ending with %q (stderr %q): status %d, want %d", c.script, c.msg, got, c.want)
		}
	}
}
