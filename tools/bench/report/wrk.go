package report

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Wrk is what one `wrk --latency` run reports.
type Wrk struct {
	RPS      float64       // Requests/sec
	P50, P99 time.Duration // latency percentiles from the Latency Distribution block
	Requests int           // requests completed
	// Errors counts socket errors (connect, read, write, timeout) and
	// responses other than 2xx or 3xx.
	Errors int
}

var (
	wrkRPS      = regexp.MustCompile(`(?m)^\s*Requests/sec:\s+([0-9.]+)\s*$`)
	wrkRequests = regexp.MustCompile(`(?m)^\s*([0-9]+) requests in `)
	wrkDist     = regexp.MustCompile(`(?m)^\s*Latency Distribution\s*$`)
	wrkPercent  = regexp.MustCompile(`(?m)^\s*(50|99)%\s+([0-9.]+)(us|ms|s|m|h)\s*$`)
	wrkSocket   = regexp.MustCompile(`(?m)^\s*Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: ([0-9]+)\s*$`)
)

var wrkUnits = map[string]float64{
	"us": float64(time.Microsecond),
	"ms": float64(time.Millisecond),
	"s":  float64(time.Second),
	"m":  float64(time.Minute),
	"h":  float64(time.Hour),
}

// ParseWrk parses the output of `wrk --latency` (wrk 4.x). It fails
// when the output lacks the request rate, the request count or the 50%
// and 99% lines of the Latency Distribution block (wrk run without
// --latency, or wrk that never connected). Errors are counted, not
// failed on: the caller decides what a run with errors is worth.
func ParseWrk(out string) (Wrk, error) {
	var w Wrk
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return w, fmt.Errorf("wrk output has no Requests/sec line: %s", firstLine(out))
	}
	var err error
	if w.RPS, err = strconv.ParseFloat(m[1], 64); err != nil {
		return w, fmt.Errorf("wrk Requests/sec: %v", err)
	}
	m = wrkRequests.FindStringSubmatch(out)
	if m == nil {
		return w, errors.New("wrk output has no \"N requests in\" line")
	}
	if w.Requests, err = strconv.Atoi(m[1]); err != nil {
		return w, fmt.Errorf("wrk requests: %v", err)
	}
	loc := wrkDist.FindStringIndex(out)
	if loc == nil {
		return w, errors.New("wrk output has no Latency Distribution (run wrk with --latency)")
	}
	var have50, have99 bool
	for _, p := range wrkPercent.FindAllStringSubmatch(out[loc[1]:], -1) {
		v, err := strconv.ParseFloat(p[2], 64)
		if err != nil {
			return w, fmt.Errorf("wrk %s%% latency: %v", p[1], err)
		}
		d := time.Duration(math.Round(v * wrkUnits[p[3]]))
		if p[1] == "50" {
			w.P50, have50 = d, true
		} else {
			w.P99, have99 = d, true
		}
	}
	if !have50 || !have99 {
		return w, errors.New("wrk Latency Distribution lacks the 50% or 99% line")
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			w.Errors += n
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		w.Errors += n
	}
	return w, nil
}

// firstLine returns the first non-blank line of s, for error messages.
func firstLine(s string) string {
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			return strconv.Quote(l)
		}
	}
	return "(empty)"
}
