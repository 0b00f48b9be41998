package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestIsFileList(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"main.go"}, true},
		{[]string{"a.go", "dir/b.go"}, true},
		{[]string{"a.go", "./cmd/app"}, false},
		{[]string{"unigo/app/hello"}, false},
	} {
		if got := isFileList(c.args); got != c.want {
			t.Errorf("isFileList(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

func TestParseGoList(t *testing.T) {
	dir, gomod, name := parseGoList("/src/app\n/src/go.mod\nmain\n")
	if dir != "/src/app" || gomod != "/src/go.mod" || name != "main" {
		t.Errorf("parseGoList = %q %q %q", dir, gomod, name)
	}
	// A package outside modules (GOPATH mode) has no .Module: the line is empty.
	if dir, gomod, name = parseGoList("/gopath/src/x\n\nmain\n"); dir != "/gopath/src/x" || gomod != "" || name != "main" {
		t.Errorf("parseGoList without module = %q %q %q", dir, gomod, name)
	}
}

func TestPackageClause(t *testing.T) {
	for _, c := range []struct {
		src, name string
		ok        bool
	}{
		{"package main\n", "main", true},
		{"// Command x.\n//go:build linux\n\n  package  foo // comment\n", "foo", true},
		{"// no clause\n", "", false},
	} {
		if name, ok := packageClause(c.src); name != c.name || ok != c.ok {
			t.Errorf("packageClause(%q) = %q, %v; want %q, %v", c.src, name, ok, c.name, c.ok)
		}
	}
}

func TestNoModule(t *testing.T) {
	if noModule(os.DevNull) != "" || noModule("") != "" || noModule("/m/go.mod") != "/m/go.mod" {
		t.Errorf("noModule does not map %s and \"\" to \"\", or changes a path", os.DevNull)
	}
}

func TestFileTarget(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "app.go"), filepath.Join(dir, "util.go")
	os.WriteFile(a, []byte("package main\n"), 0o644)
	os.WriteFile(b, []byte("package main\n"), 0o644)
	got, err := resolveTarget([]string{a, b}, "/unigo")
	want := target{kind: looseFiles, name: "app", files: []string{a, b}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("resolveTarget(two files) = %+v, %v; want %+v", got, err, want)
	}
	other := filepath.Join(t.TempDir(), "other.go")
	os.WriteFile(other, []byte("package main\n"), 0o644)
	if _, err := resolveTarget([]string{a, other}, "/unigo"); err == nil || !strings.Contains(err.Error(), "one directory") {
		t.Errorf("files in two directories: %v, want an error saying they must be in one", err)
	}
	if _, err := resolveTarget([]string{filepath.Join(dir, "missing.go")}, "/unigo"); !os.IsNotExist(err) {
		t.Errorf("missing file: %v, want not-exist", err)
	}
	if _, err := resolveTarget([]string{"./a", "./b"}, "/unigo"); err == nil || !strings.Contains(err.Error(), "one package") {
		t.Errorf("two packages: %v, want an error asking for one", err)
	}
}

// TestPackageTarget resolves packages of each kind with the go command.
func TestPackageTarget(t *testing.T) {
	r, err := root()
	if err != nil {
		t.Skip(err)
	}
	hello := filepath.Join(r, "app", "hello")
	if got, err := resolveTarget([]string{"unigo/app/hello"}, r); err != nil || got.kind != inUnigo || got.name != "hello" || got.dir != hello {
		t.Errorf("import path: %+v, %v; want inUnigo in %s", got, err, hello)
	}
	if got, err := resolveTarget([]string{hello}, r); err != nil || got.kind != inUnigo || got.dir != hello {
		t.Errorf("directory in the unigo module: %+v, %v", got, err)
	}
	if _, err := resolveTarget([]string{filepath.Join(r, "kernel", "kfmt")}, r); err == nil || !strings.Contains(err.Error(), "not a main package") {
		t.Errorf("library package: %v, want not a main package", err)
	}

	tmp := t.TempDir()
	loose := filepath.Join(tmp, "loose")
	os.MkdirAll(loose, 0o755)
	os.WriteFile(filepath.Join(loose, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	if got, err := resolveTarget([]string{loose}, r); err != nil || got.kind != looseFiles || got.name != "loose" ||
		!reflect.DeepEqual(got.files, []string{filepath.Join(loose, "main.go")}) {
		t.Errorf("directory outside modules: %+v, %v", got, err)
	}

	other := filepath.Join(tmp, "othermod")
	app := filepath.Join(other, "cmd", "app")
	os.MkdirAll(app, 0o755)
	os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/othermod\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(app, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	if got, err := resolveTarget([]string{app}, r); err != nil || got.kind != inOtherModule || got.name != "app" ||
		got.dir != app || got.gomod != filepath.Join(other, "go.mod") {
		t.Errorf("package in another module: %+v, %v", got, err)
	}
}
