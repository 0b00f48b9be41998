package report

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkPNG fails unless path is a PNG of the chart size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatalf("image.DecodeConfig(%s): %v", path, err)
	}
	if format != "png" || cfg.Width != 1600 || cfg.Height != 900 {
		t.Errorf("image.DecodeConfig(%s) = %s %d×%d, want png 1600×900", path, format, cfg.Width, cfg.Height)
	}
}

var _ = png.Decode // registers the PNG format with image.DecodeConfig

// chartDir is where a test writes charts: a temporary directory, or
// $REPORT_CHART_DIR to look at them.
func chartDir(t *testing.T) string {
	if d := os.Getenv("REPORT_CHART_DIR"); d != "" {
		return d
	}
	return t.TempDir()
}

func fileName(s string) string { return strings.NewReplacer(" ", "-", "/", "-").Replace(s) }

func TestBarChart(t *testing.T) {
	dir := chartDir(t)
	s := sampleSet()
	for _, m := range s.Metrics() {
		path := filepath.Join(dir, fileName(m)+".png")
		if err := BarChart(path, m, s.Unit(m), s, m); err != nil {
			t.Errorf("BarChart(%q) = %v", m, err)
			continue
		}
		checkPNG(t, path)
	}
}

func TestChartsWithMissingVariants(t *testing.T) {
	dir := chartDir(t)
	tests := []struct {
		name string
		set  func() *Set
	}{
		{"all missing", func() *Set {
			var s Set
			s.Fail("unigo", "m", "ms", "unavailable: no /dev/kvm")
			s.Fail("linux-vm", "m", "ms", "unavailable: no /dev/kvm")
			return &s
		}},
		{"first missing", func() *Set {
			var s Set
			s.Fail("unigo", "m", "ms", "failed: guest never answered")
			s.Add("native", "m", "ms", 3)
			return &s
		}},
		{"only zeros", func() *Set {
			var s Set
			s.Add("unigo", "m", "ms", 0)
			return &s
		}},
		{"negative and long note", func() *Set {
			var s Set
			s.Add("unigo", "m", "ms", -3)
			s.Add("unigo", "m", "ms", 5)
			s.Fail("native", "m", "ms", strings.Repeat("very long failure note ", 20))
			return &s
		}},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, fileName(tt.name)+".png")
		if err := BarChart(path, tt.name, "ms", tt.set(), "m"); err != nil {
			t.Errorf("BarChart(%s) = %v", tt.name, err)
			continue
		}
		checkPNG(t, path)
	}
}

func TestGroupedBarChart(t *testing.T) {
	dir := chartDir(t)
	s := sampleSet()
	s.Add("unigo", "warm start to hello output", "ms", 20)
	s.Fail("container", "warm start to hello output", "ms", "failed: runc exited 1")
	path := filepath.Join(dir, "grouped.png")
	if err := GroupedBarChart(path, "start", "ms", s, []string{"cold start to hello output", "warm start to hello output"}); err != nil {
		t.Fatalf("GroupedBarChart = %v", err)
	}
	checkPNG(t, path)
}

func TestChartErrors(t *testing.T) {
	dir := t.TempDir()
	s := sampleSet()
	var empty Set
	tests := []struct {
		name    string
		path    string
		set     *Set
		metrics []string
	}{
		{"unknown metric", filepath.Join(dir, "a.png"), s, []string{"nope"}},
		{"no metrics", filepath.Join(dir, "b.png"), s, nil},
		{"empty set", filepath.Join(dir, "c.png"), &empty, []string{"m"}},
		{"unwritable", filepath.Join(dir, "no", "such", "dir.png"), s, []string{"cold start to hello output"}},
	}
	for _, tt := range tests {
		if err := GroupedBarChart(tt.path, tt.name, "ms", tt.set, tt.metrics); err == nil {
			t.Errorf("GroupedBarChart(%s) = nil, want an error", tt.name)
		}
	}
}

func TestNoteLines(t *testing.T) {
	notes := map[string][][2]string{
		"unigo":     {{"a", "unavailable: no /dev/kvm"}, {"b", "unavailable: no /dev/kvm"}},
		"container": {{"b", "failed: x"}},
		"native":    {{"a", "failed: y"}, {"b", "failed: z"}},
	}
	got := noteLines([]string{"unigo", "container", "linux-vm", "native"}, []string{"a", "b"}, notes)
	want := []string{
		"unigo: unavailable: no /dev/kvm",
		"container, b: failed: x",
		"native, a: failed: y",
		"native, b: failed: z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("noteLines = %q, want %q", got, want)
	}
	if got, want := truncate("abcdef", 4), "abc…"; got != want {
		t.Errorf("truncate(abcdef, 4) = %q, want %q", got, want)
	}
}
