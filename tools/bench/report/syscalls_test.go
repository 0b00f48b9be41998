package report

import (
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// testdata/strace-*.txt are genuine `strace -c -f -o FILE` summaries
// (strace 6.1) of ls and of a small Go HTTP server.
func TestParseStraceSummaryFiles(t *testing.T) {
	tests := []struct {
		file        string
		syscalls    int
		calls       int // sum of calls: the "total" line's count
		some        map[string]int
		notIncluded string
	}{
		{"strace-ls.txt", 22, 148, map[string]int{"openat": 39, "close": 22, "mmap": 30, "statfs": 2, "rseq": 1, "execve": 1}, "total"},
		{"strace-httpd.txt", 44, 415, map[string]int{"futex": 14, "rt_sigaction": 114, "accept4": 1, "epoll_pwait": 4, "clone3": 5, "getrandom": 1}, "total"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile("testdata/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStraceSummary(string(b))
		if err != nil {
			t.Errorf("ParseStraceSummary(%s) error: %v", tt.file, err)
			continue
		}
		if len(got) != tt.syscalls {
			t.Errorf("len(ParseStraceSummary(%s)) = %d, want %d", tt.file, len(got), tt.syscalls)
		}
		sum := 0
		for _, n := range got {
			sum += n
		}
		if sum != tt.calls {
			t.Errorf("sum of ParseStraceSummary(%s) = %d, want %d", tt.file, sum, tt.calls)
		}
		for name, want := range tt.some {
			if got[name] != want {
				t.Errorf("ParseStraceSummary(%s)[%q] = %d, want %d", tt.file, name, got[name], want)
			}
		}
		if _, ok := got[tt.notIncluded]; ok {
			t.Errorf("ParseStraceSummary(%s) includes %q", tt.file, tt.notIncluded)
		}
	}
}

func TestParseStraceSummaryInline(t *testing.T) {
	tests := []struct {
		name, out string
		want      map[string]int
	}{
		{"attach lines and program output", `strace: Process 4242 attached
listening on 127.0.0.1:8080 with 5 words
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000600          60        10         2 openat
 40.00    0.000400          40        10           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.001000          50        20         2 total
`, map[string]int{"openat": 10, "read": 10}},
		{"two personalities summed", `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000010          10         3           write
------ ----------- ----------- --------- --------- ----------------
100.00    0.000010          10         3           total
System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 90.00    0.000009           9         1           write
 10.00    0.000001           1         1           brk
------ ----------- ----------- --------- --------- ----------------
100.00    0.000010           5         2           total
`, map[string]int{"write": 4, "brk": 1}},
		{"empty table", `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         0           total
`, map[string]int{}},
	}
	for _, tt := range tests {
		got, err := ParseStraceSummary(tt.out)
		if err != nil {
			t.Errorf("ParseStraceSummary(%s) error: %v", tt.name, err)
			continue
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("ParseStraceSummary(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, out := range []string{"", "strace: exec: No such file or directory\n"} {
		if got, err := ParseStraceSummary(out); err == nil {
			t.Errorf("ParseStraceSummary(%q) = %v, nil; want an error", out, got)
		}
	}
}

// A cut-down Docker default profile: conditional rules, an ERRNO rule
// and the old single-name form.
const dockerLikeProfile = `{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 1,
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
	"syscalls": [
		{"names": ["read", "write", "openat", "close", "futex"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
		{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
		{"names": ["mount", "umount2"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["write", "read"], "action": "SCMP_ACT_ALLOW"},
		{"name": "accept4", "action": "SCMP_ACT_ALLOW"},
		{"names": ["kexec_load"], "action": "SCMP_ACT_KILL"}
	]
}`

func TestParseSeccompProfile(t *testing.T) {
	tests := []struct {
		name, profile string
		want          []string
		wantErr       string
	}{
		{"docker-like", dockerLikeProfile,
			[]string{"accept4", "close", "futex", "mount", "openat", "personality", "ptrace", "read", "umount2", "write"}, ""},
		{"nothing allowed", `{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_LOG"}]}`, nil, ""},
		{"allow by default", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}`, nil, ErrAllowByDefault.Error()},
		{"no defaultAction", `{"syscalls": []}`, nil, "no defaultAction"},
		{"not JSON", `defaultAction: SCMP_ACT_ERRNO`, nil, "seccomp profile"},
	}
	for _, tt := range tests {
		got, err := ParseSeccompProfile([]byte(tt.profile))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSeccompProfile(%s) = %q, %v; want error containing %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseSeccompProfile(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := ParseSeccompProfile([]byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`)); !errors.Is(err, ErrAllowByDefault) {
		t.Errorf("ParseSeccompProfile(allow by default) error = %v, want ErrAllowByDefault", err)
	}
}
