package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseStraceSummary parses the summary table printed by `strace -c`
// (with or without -f): columns % time, seconds, usecs/call, calls,
// errors (often blank) and syscall. It returns the number of calls of
// each syscall; the "total" line is left out. When strace prints
// several tables (one per personality, e.g. 64 and 32 bit), their
// counts are summed. Lines that are not table rows, such as
// "strace: Process 42 attached", are ignored; no table at all is an
// error.
func ParseStraceSummary(out string) (map[string]int, error) {
	calls := map[string]int{}
	header := false
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "%" && f[1] == "time" {
			header = true
			continue
		}
		if !header || (len(f) != 5 && len(f) != 6) {
			continue
		}
		if _, err := strconv.ParseFloat(f[0], 64); err != nil {
			continue
		}
		name := f[len(f)-1]
		if name == "total" {
			continue
		}
		n, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("strace summary: calls of %s: %v", name, err)
		}
		calls[name] += n
	}
	if !header {
		return nil, fmt.Errorf("no strace -c summary table in %s", firstLine(out))
	}
	return calls, nil
}

// ErrAllowByDefault is returned by ParseSeccompProfile for a profile
// whose defaultAction allows every syscall it does not list, which has
// no finite allowed set to count.
var ErrAllowByDefault = errors.New("seccomp profile allows by default")

// ParseSeccompProfile returns the sorted, unique names of the syscalls
// an OCI runtime-spec or Docker seccomp profile allows: those in rules
// whose action is SCMP_ACT_ALLOW. Rules restricted to some arguments,
// capabilities or architectures count as allowing their syscalls, so
// the result is an upper bound of what a given container may call. It
// returns ErrAllowByDefault when defaultAction is SCMP_ACT_ALLOW.
func ParseSeccompProfile(profile []byte) ([]string, error) {
	var p struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names  []string `json:"names"`
			Name   string   `json:"name"` // old Docker profiles: one name per rule
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(profile, &p); err != nil {
		return nil, fmt.Errorf("seccomp profile: %v", err)
	}
	switch p.DefaultAction {
	case "":
		return nil, errors.New("seccomp profile has no defaultAction")
	case "SCMP_ACT_ALLOW":
		return nil, ErrAllowByDefault
	}
	var names []string
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		names = append(names, r.Names...)
		if r.Name != "" {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
