// Package docs holds the contributor documentation; its test keeps the
// paths it names true.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pathLike matches a code span that names a file or directory of the
// tree: a relative path with a slash or a file name with an extension
// the tree uses.
var pathLike = regexp.MustCompile("^[a-z][a-z0-9_./-]*(/|\\.go|\\.s|\\.md|\\.txt)$|^[a-z][a-z0-9_-]*/[a-z0-9_./-]+$")

// TestContributorPagePathsExist fails when ARCHITECTURE.md names a path
// that is not in the tree (paths are relative to the module root, or to
// docs/ for links).
func TestContributorPagePathsExist(t *testing.T) {
	b, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	// A bare name (open.go, sched/) stands beside its directory in the
	// page: it must exist somewhere in the tree.
	names := map[string]bool{}
	filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err == nil {
			names[d.Name()] = true
		}
		return nil
	})
	spans := regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(string(b), -1)
	checked := 0
	for _, m := range spans {
		p := m[1]
		if strings.Contains(p, " ") || strings.HasPrefix(p, "../") || !pathLike.MatchString(p) {
			continue
		}
		checked++
		if !strings.Contains(strings.TrimSuffix(p, "/"), "/") {
			if !names[p] && !names[strings.TrimSuffix(p, "/")] {
				if _, err := os.Stat(filepath.Join("..", p)); err != nil {
					t.Errorf("ARCHITECTURE.md names %s, which is nowhere in the tree", p)
				}
			}
			continue
		}
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("ARCHITECTURE.md names %s, which does not exist", p)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(string(b), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("ARCHITECTURE.md links to %s, which does not exist", m[1])
		}
	}
	if checked < 40 {
		t.Errorf("checked only %d paths: did the page's format change?", checked)
	}
}
