package linux

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// checkedTrees are the module's directories whose constants must not
// copy a Linux errno or syscall number: those are defined here only.
var checkedTrees = []string{"app", "boot", "drivers", "kernel", "netstack", "qemu", "tools"}

// copyName matches the names a copy of a Linux errno (EBADF, eNOTSOCK)
// or syscall number (sysRead, nrOpenat, SYS_READ) takes.
var copyName = regexp.MustCompile(`^E[A-Z0-9]{2,}$|^e[A-Z]{3,}|^(sys|nr)[A-Z]\w*$|^SYS_`)

// TestNoCopies walks the non-test, non-generated Go files of
// checkedTrees, kernel/abi excepted, and fails on an integer constant
// named like a Linux errno or syscall number.
func TestNoCopies(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	checked := 0
	for _, tree := range checkedTrees {
		err := filepath.WalkDir(filepath.Join(root, tree), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || p == filepath.Join(root, "kernel", "abi") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			if ast.IsGenerated(f) {
				return nil
			}
			checked++
			for _, name := range integerConsts(f) {
				if copyName.MatchString(name) {
					rel, _ := filepath.Rel(root, p)
					t.Errorf("%s: const %s copies a Linux errno or syscall number: use kernel/abi/linux (or kernel/abi/unigo)", rel, name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 100 {
		t.Errorf("checked only %d files: did the tree move?", checked)
	}
}

// integerConsts returns the names of f's constants whose value is
// spelled with an integer literal (or repeats one, after iota).
func integerConsts(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		intLit := false // the last explicit value's, which an empty spec repeats
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Values) > 0 {
				intLit = false
				for _, v := range vs.Values {
					ast.Inspect(v, func(n ast.Node) bool {
						if l, ok := n.(*ast.BasicLit); ok && (l.Kind == token.INT || l.Kind == token.CHAR) {
							intLit = true
						}
						if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
							intLit = true
						}
						return true
					})
				}
			}
			if intLit {
				for _, n := range vs.Names {
					names = append(names, n.Name)
				}
			}
		}
	}
	return names
}
