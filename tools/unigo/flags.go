package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// command is one unigo subcommand's flag set and how to show its usage.
type command struct {
	name  string // "build" or "run"
	fs    *flag.FlagSet
	usage string // the synopsis printed above the flags
	// stdout receives the usage asked for with -h, stderr the error
	// lines (os.Stdout and os.Stderr; buffers in tests).
	stdout, stderr io.Writer
}

func newCommand(name, usage string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package's own reports (the message, then the whole usage)
	// are silenced: parse prints one line and a hint instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &command{name: name, fs: fs, usage: usage, stdout: os.Stdout, stderr: os.Stderr}
}

// printUsage writes the synopsis and every flag with its default.
func (c *command) printUsage(w io.Writer) {
	fmt.Fprintln(w, c.usage)
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// parse parses args. When it returns false, the caller exits with status:
// 0 after -h (usage on stdout), exitFailed after a bad flag (one line on
// stderr naming the flag, then a hint).
func (c *command) parse(args []string) (ok bool, status int) {
	var bad badValue
	c.watch(&bad)
	err := c.fs.Parse(args)
	c.unwatch()
	switch {
	case err == nil:
		return true, 0
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(c.stdout)
		return false, 0
	case bad.name != "":
		return false, c.fail("-%s: invalid value %q: %v", bad.name, bad.value, bad.err)
	default: // an undefined flag, or one without its argument
		return false, c.fail("%v", err)
	}
}

// fail reports a bad command line as one line and a hint, and returns
// the status to exit with.
func (c *command) fail(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "unigo %s: %s\nRun 'unigo %s -h' for usage.\n", c.name, fmt.Sprintf(format, a...), c.name)
	return exitFailed
}

// badValue is the flag whose value failed to parse: the flag package
// folds it into a sentence of its own, and parse words it as
// "-NAME: invalid value "V": WHY".
type badValue struct {
	name, value string
	err         error
}

// watchedValue records its flag's failed Set in bad.
type watchedValue struct {
	flag.Value
	name string
	bad  *badValue
}

func (w *watchedValue) Set(s string) error {
	err := w.Value.Set(s)
	if err != nil && w.bad.name == "" {
		*w.bad = badValue{w.name, s, err}
	}
	return err
}

// IsBoolFlag keeps boolean flags valid without a value (-v).
func (w *watchedValue) IsBoolFlag() bool {
	b, ok := w.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// watch wraps every flag's value for the time of Parse; unwatch restores
// them, so that PrintDefaults still sees each value's own type.
func (c *command) watch(bad *badValue) {
	c.fs.VisitAll(func(f *flag.Flag) { f.Value = &watchedValue{f.Value, f.Name, bad} })
}

func (c *command) unwatch() {
	c.fs.VisitAll(func(f *flag.Flag) {
		if w, ok := f.Value.(*watchedValue); ok {
			f.Value = w.Value
		}
	})
}

// intFlag is an integer flag whose parse error names what it counts
// ("not a number of MiB"), instead of the flag package's "parse error".
type intFlag struct {
	p    *int
	unit string
}

func (f intFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(*f.p)
}

func (f intFlag) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, strconv.IntSize) // as flag.Int: 0x80 too
	if err != nil {
		return fmt.Errorf("not a number of %s", f.unit)
	}
	*f.p = int(n)
	return nil
}

// durationFlag is a time.Duration flag whose parse error shows the syntax.
type durationFlag struct{ p *time.Duration }

func (f durationFlag) String() string {
	if f.p == nil {
		return "0s"
	}
	return f.p.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration such as 90s or 2m")
	}
	*f.p = d
	return nil
}
