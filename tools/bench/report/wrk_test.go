package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The testdata/wrk-*.txt files are genuine wrk 4.1 output (Debian's
// wrk 4.1.0), captured against a small Go HTTP server: answering
// normally, answering 500, dropping every 37th connection, and
// sleeping 1.1 s per request with --timeout 1s and 5s.
func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want Wrk
	}{
		{"wrk-ok.txt", Wrk{RPS: 18589.92, P50: 67 * time.Microsecond, P99: 2050 * time.Microsecond, Requests: 20420}},
		{"wrk-non2xx.txt", Wrk{RPS: 24511.59, P50: 225 * time.Microsecond, P99: 5850 * time.Microsecond, Requests: 24559, Errors: 24559}},
		{"wrk-read-errors.txt", Wrk{RPS: 95.23, P50: 151 * time.Microsecond, P99: 4600 * time.Microsecond, Requests: 191, Errors: 5}},
		{"wrk-timeouts.txt", Wrk{RPS: 1.33, P50: 0, P99: 0, Requests: 4, Errors: 4}},
		{"wrk-seconds.txt", Wrk{RPS: 1.33, P50: 1100 * time.Millisecond, P99: 1100 * time.Millisecond, Requests: 4}},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseWrk(string(b))
		if err != nil {
			t.Errorf("ParseWrk(%s) error: %v", tt.file, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseWrk(%s) = %+v, want %+v", tt.file, got, tt.want)
		}
	}
}

// The example of the brief, and variations of units and errors.
const wrkExample = `Running 5s test @ http://127.0.0.1:8080/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.61ms   20.31ms 210.43ms   97.12%
    Req/Sec     1.03k   112.22     1.20k    78.00%
  Latency Distribution
     50%    6.60ms
     75%    7.10ms
     90%    8.20ms
     99%  162.00ms
  5160 requests in 5.01s, 1.23MB read
Requests/sec:   1031.02
Transfer/sec:    251.71KB
`

func TestParseWrkInline(t *testing.T) {
	tests := []struct {
		name, out string
		want      Wrk
	}{
		{"brief", wrkExample, Wrk{RPS: 1031.02, P50: 6600 * time.Microsecond, P99: 162 * time.Millisecond, Requests: 5160}},
		{"minutes", strings.NewReplacer("6.60ms", "1.50m", "162.00ms", "2.00h").Replace(wrkExample),
			Wrk{RPS: 1031.02, P50: 90 * time.Second, P99: 2 * time.Hour, Requests: 5160}},
		{"all errors", strings.Replace(wrkExample, "Requests/sec:", "  Socket errors: connect 1, read 20, write 300, timeout 4000\n  Non-2xx or 3xx responses: 50000\nRequests/sec:", 1),
			Wrk{RPS: 1031.02, P50: 6600 * time.Microsecond, P99: 162 * time.Millisecond, Requests: 5160, Errors: 54321}},
		{"CRLF", strings.ReplaceAll(wrkExample, "\n", "\r\n"), Wrk{RPS: 1031.02, P50: 6600 * time.Microsecond, P99: 162 * time.Millisecond, Requests: 5160}},
	}
	for _, tt := range tests {
		got, err := ParseWrk(tt.out)
		if err != nil {
			t.Errorf("ParseWrk(%s) error: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseWrk(%s) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseWrkErrors(t *testing.T) {
	refused, err := os.ReadFile("testdata/wrk-refused.txt")
	if err != nil {
		t.Fatal(err)
	}
	noLatency := strings.Replace(wrkExample, "  Latency Distribution\n", "", 1)
	noLatency = noLatency[:strings.Index(noLatency, "     50%")] + noLatency[strings.Index(noLatency, "  5160"):]
	tests := []struct {
		name, out, wantErr string
	}{
		{"empty", "", "no Requests/sec"},
		{"refused", string(refused), "no Requests/sec"},
		{"no --latency", noLatency, "no Latency Distribution"},
		{"no 99%", strings.Replace(wrkExample, "     99%  162.00ms\n", "", 1), "lacks the 50% or 99%"},
		{"no request count", strings.Replace(wrkExample, "  5160 requests in 5.01s, 1.23MB read\n", "", 1), "requests in"},
	}
	for _, tt := range tests {
		got, err := ParseWrk(tt.out)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseWrk(%s) = %+v, %v; want error containing %q", tt.name, got, err, tt.wantErr)
		}
	}
}
