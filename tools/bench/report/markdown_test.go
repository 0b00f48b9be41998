package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleSet is a small run: three rounds of two timed metrics, one
// single-valued size and count, a variant that never ran, a variant
// that failed one round, and a pair never measured.
func sampleSet() *Set {
	var s Set
	const cold, rps, size, sys = "cold start to hello output", "httpd requests/s", "deployed artifact", "host syscalls while serving"
	rounds := [][4]float64{
		{112.4, 45.1, 0, 1.21},
		{98.7, 50.3, 0, 1.05},
		{105.2, 47.9, 0, 1.33},
	}
	rates := [][4]float64{
		{18589.92, 24511.59, 0, 30100},
		{17500, 23999.5, 0, 0},
		{19020.5, 25010, 0, 29000},
	}
	for i, r := range rounds {
		s.Add("unigo", cold, "ms", r[0])
		s.Add("container", cold, "ms", r[1])
		s.Fail("linux-vm", cold, "ms", "unavailable: no /dev/kvm")
		s.Add("native", cold, "ms", r[3])
		s.Add("unigo", rps, "req/s", rates[i][0])
		s.Add("container", rps, "req/s", rates[i][1])
		s.Fail("linux-vm", rps, "req/s", "unavailable: no /dev/kvm")
		if i == 1 {
			s.Fail("native", rps, "req/s", "failed: wrk | connect 8, read 0")
		} else {
			s.Add("native", rps, "req/s", rates[i][3])
		}
	}
	s.Add("unigo", size, "bytes", 4718592)
	s.Add("container", size, "bytes", 4210688)
	s.Fail("linux-vm", size, "bytes", "unavailable: no /dev/kvm")
	s.Add("native", size, "bytes", 4210688)
	s.Add("unigo", sys, "syscalls", 23)
	s.Add("container", sys, "syscalls", 61)
	s.Fail("linux-vm", sys, "syscalls", "unavailable: no /dev/kvm")
	return &s
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (rerun with -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, sampleSet()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden.md", b.Bytes())
}

func TestMarkdownOptions(t *testing.T) {
	var b bytes.Buffer
	err := Markdown(&b, sampleSet(),
		Variants("native", "unigo", "wasm"),
		Metrics("deployed artifact", "cold start to hello output"),
		Separator(","))
	if err != nil {
		t.Fatal(err)
	}
	want := `| metric | native | unigo | wasm |
| :-- | --: | --: | --: |
| deployed artifact (bytes) | 4,210,688 | 4,718,592 | — |
| cold start to hello output (ms) | 1.21 (1.05–1.33) | 105 (98.7–112) | — |
`
	if got := b.String(); got != want {
		t.Errorf("Markdown(sample, Variants, Metrics, Separator) =\n%s\nwant\n%s", got, want)
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		r      Result
		single bool
		want   string
	}{
		{Result{}, false, "—"},
		{Result{}, true, "—"},
		{Result{Values: []float64{3, 1, 2}}, false, "2.00 (1.00–3.00)"},
		{Result{Values: []float64{1500}}, false, "1 500 (1 500–1 500)"},
		{Result{Values: []float64{1234567}}, true, "1 234 567"},
		{Result{Values: []float64{2.5}}, true, "2.50"},
		{Result{Note: "unavailable: no /dev/kvm"}, false, "*unavailable: no /dev/kvm*"},
		{Result{Values: []float64{10, 20}, Note: "failed: 1 of 3"}, false, "15.0 (10.0–20.0) *failed: 1 of 3*"},
		{Result{Note: "a|b *c* _d_ `e` <f> [g] \\h\nnext x86_64 __init"}, false, `*a\|b \*c\* \_d\_ \` + "`e\\`" + ` \<f> \[g\] \\h next x86_64 \_\_init*`},
	}
	for _, tt := range tests {
		if got := cell(tt.r, tt.single, " "); got != tt.want {
			t.Errorf("cell(%+v, %v) = %q, want %q", tt.r, tt.single, got, tt.want)
		}
	}
}

func testMachine() Machine {
	return Machine{
		CPU:       "AMD EPYC 7B13",
		Cores:     8,
		MemoryGiB: 31.3,
		Kernel:    "Linux 6.8.0-45-generic x86_64",
		QEMU:      "8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)",
		Go:        "go1.26.3",
		KVM:       "none: TCG",
	}
}

func TestDocumentGolden(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 9, 7, 14, 5, 0, 0, time.UTC)
	commands := []string{
		"go run ./tools/bench -rounds 3 -d 5s -c 8",
		"wrk --latency -t1 -c8 -d5s http://127.0.0.1:8080/hello",
	}
	charts := []string{"2026-09-07-cold-start.png", "2026-09-07 rps.png"}
	if err := Document(&b, "unigo benchmarks", testMachine(), commands, sampleSet(), charts, At(at)); err != nil {
		t.Fatal(err)
	}
	golden(t, "document.golden.md", b.Bytes())
}

func TestDocumentMinimal(t *testing.T) {
	var b bytes.Buffer
	var s Set
	s.Add("native", "x", "", 1)
	err := Document(&b, "t", Machine{}, []string{"echo ```"}, &s, nil, At(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	want := "# t\n\nRun on 2026-01-02 03:04 UTC.\n\n## Machine\n\n" +
		"- CPU: unknown\n- Memory: unknown\n- Kernel: unknown\n- QEMU: unknown\n- Go: unknown\n- Accelerator: unknown\n\n" +
		"## Results\n\n" +
		"Each cell is the median (min–max) of the rounds that succeeded; a row measured once shows the value alone. Italics say why a value is missing.\n\n" +
		"| metric | native |\n| :-- | --: |\n| x | 1 |\n\n" +
		"## Commands\n\n````sh\necho ```\n````\n"
	if got := b.String(); got != want {
		t.Errorf("Document(minimal) =\n%s\nwant\n%s\ndiff at byte %d", got, want, firstDiff(got, want))
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// A failing writer's error comes back.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestMarkdownWriteError(t *testing.T) {
	if err := Markdown(failWriter{}, sampleSet()); err == nil {
		t.Error("Markdown(failing writer) = nil, want an error")
	}
	if err := Document(failWriter{}, "t", Machine{}, nil, sampleSet(), nil); err == nil {
		t.Error("Document(failing writer) = nil, want an error")
	}
}
