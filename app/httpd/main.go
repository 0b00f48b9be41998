// Command httpd is unigo's network example: a plain net/http server (it
// runs the same with go run on Linux) with a page that shows the kernel's
// own statistics, static files from the image's root, and a JSON endpoint.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"runtime"
	"time"

	"unigo/guest"
)

var started = time.Now()

type status struct {
	Unigo      bool    `json:"unigo"`
	Uptime     string  `json:"uptime"`
	Goroutines int     `json:"goroutines"`
	HeapMiB    float64 `json:"heap_mib"`
	FramesMiB  float64 `json:"frames_mib,omitempty"`
	PeakMiB    float64 `json:"peak_mib,omitempty"`
	Syscalls   uint64  `json:"syscalls,omitempty"`
	Switches   uint64  `json:"context_switches,omitempty"`
	Interrupts uint64  `json:"interrupts,omitempty"`
	PageFaults uint64  `json:"page_faults,omitempty"`
	// The NIC's counters (virtio-net).
	RxPackets  uint64 `json:"rx_packets,omitempty"`
	TxPackets  uint64 `json:"tx_packets,omitempty"`
	RxDropped  uint64 `json:"rx_dropped,omitempty"`
	TxDropped  uint64 `json:"tx_dropped,omitempty"`
	NICOffload uint64 `json:"tx_checksums_offloaded,omitempty"`
	NICPolls   uint64 `json:"rx_polls,omitempty"`
	NIC        string `json:"nic_features,omitempty"`
}

func current() status {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := status{Uptime: time.Since(started).Round(time.Millisecond).String(), Goroutines: runtime.NumGoroutine(),
		HeapMiB: float64(ms.HeapAlloc) / (1 << 20)}
	if k, ok := guest.Stats(); ok {
		s.Unigo = true
		s.FramesMiB = float64(k.FramesInUse*4096) / (1 << 20)
		s.PeakMiB = float64(k.FramesPeak*4096) / (1 << 20)
		s.Syscalls, s.Switches, s.Interrupts, s.PageFaults = k.Syscalls, k.ContextSwitches, k.Interrupts, k.PageFaults
	}
	if n, ok := guest.NICStats(); ok {
		s.RxPackets, s.TxPackets, s.RxDropped, s.TxDropped = n.RxPackets, n.TxPackets, n.RxDropped, n.TxDropped
		s.NICOffload, s.NICPolls, s.NIC = n.TxCsumOffloaded, n.RxPolls, n.Features
	}
	return s
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<title>unigo httpd</title>
<h1>Hello from {{if .Unigo}}a unigo unikernel{{else}}a Linux process{{end}}</h1>
<table>
<tr><td>uptime</td><td>{{.Uptime}}</td></tr>
<tr><td>goroutines</td><td>{{.Goroutines}}</td></tr>
<tr><td>Go heap</td><td>{{printf "%.1f" .HeapMiB}} MiB</td></tr>
{{if .Unigo}}<tr><td>memory in use (peak)</td><td>{{printf "%.1f" .FramesMiB}} ({{printf "%.1f" .PeakMiB}}) MiB</td></tr>
<tr><td>system calls</td><td>{{.Syscalls}}</td></tr>
<tr><td>context switches</td><td>{{.Switches}}</td></tr>
<tr><td>interrupts</td><td>{{.Interrupts}}</td></tr>
<tr><td>page faults</td><td>{{.PageFaults}}</td></tr>{{end}}
{{if .NIC}}<tr><td>packets received (dropped)</td><td>{{.RxPackets}} ({{.RxDropped}})</td></tr>
<tr><td>packets sent (dropped)</td><td>{{.TxPackets}} ({{.TxDropped}})</td></tr>
<tr><td>receive polls</td><td>{{.NICPolls}}</td></tr>
<tr><td>NIC features</td><td>{{.NIC}}</td></tr>{{end}}
</table>
<p><a href="/status.json">status.json</a> · <a href="/files/">files</a>
`))

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	root := flag.String("root", "/www", "directory served under /files/")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		page.Execute(w, current())
	})
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	http.HandleFunc("/status.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(current())
	})
	http.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(*root))))
	fmt.Fprintf(os.Stderr, "httpd: listening on %s\n", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
