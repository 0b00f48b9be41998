// Package report holds the host-testable parts of tools/bench: the
// model of a benchmark run, the parsers for what the measuring tools
// print, and the writers of the results file and its charts.
//
// # Model
//
// A run measures a set of metrics ("cold start to hello output", "httpd
// requests/s", "image size", ...) for a set of variants (unigo,
// container, linux-vm, native). Each (variant, metric) pair is a
// [Result]: the values measured in each round, in the metric's unit, and
// a Note saying why a value is missing ("unavailable: no /dev/kvm",
// "failed: guest never answered"). A Result may carry both values and a
// Note when some rounds failed. Results are summarised by their median,
// with the minimum and maximum as the spread; nothing is averaged.
//
// A [Set] collects Results as the run goes ([Set.Add] for a value,
// [Set.Fail] for a missing one) and remembers the order in which
// variants and metrics first appeared, which becomes the order of the
// table's columns and rows.
//
// Variants are measured interleaved, A B C D A B C D ([Schedule]), so
// that drift of the machine (thermal throttling, a background job)
// spreads over all variants instead of biasing the one measured last.
//
// # Parsers
//
// [ParseWrk] reads `wrk --latency` output, [ParseStraceSummary] the
// table `strace -c -f` prints, and [ParseSeccompProfile] an OCI/Docker
// seccomp profile, so the syscall surface of a process can be set
// against what a container's filter allows.
//
// # Writers
//
// [Markdown] writes the results table, [Document] the whole
// bench/results/DATE.md file, [DescribeMachine] the machine it ran on,
// and [BarChart] and [GroupedBarChart] PNG charts. Numbers are printed
// with three significant digits by [Format].
//
// [Bisect] finds thresholds such as the smallest guest memory that
// still serves.
package report
