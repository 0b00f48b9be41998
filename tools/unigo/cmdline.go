package main

import (
	"path/filepath"
	"strings"
)

// The kernel command line unigo run writes, parsed by kernel/cmdline
// and kernel/cmdline.go (arguments, environment, -v, -prof),
// kernel/server/share.go (share=) and netstack/netconf/config.go (ip=,
// gw=, dns=): space-separated tokens, values percent-encoded, always in
// this order, whatever the order of the flags:
//
//	-v              when -v is given
//	a=ARG           the program's name (the image's file name), then ARGS
//	e=KEY=VAL       each -e, in the order given
//	ip=ADDR/PREFIX  the static address, when there is one (-ip, or -net
//	                user's fixed plan)
//	gw=ADDR         when -gw is given
//	dns=ADDR[,ADDR] when -dns is given
//	share=TAG:GUEST each -share, in the order given
//	-prof           when -prof is given
//
// QEMU appends its own tokens after these (virtio_mmio.device= on microvm).

// kernelCmdline assembles the command line for o.
func kernelCmdline(o *runOpts) string {
	args := append([]string{filepath.Base(o.image)}, o.args...)
	return encodeCmdline(args, o.env, o.verbose) + netParams(o) + shareParams(o) + profParam(o)
}

// encodeCmdline writes the program's part of the command line: "-v" for
// verbose, then the "a=" arguments and the "e=" environment entries.
func encodeCmdline(args, env []string, verbose bool) string {
	var b strings.Builder
	if verbose {
		b.WriteString("-v")
	}
	for _, a := range args {
		b.WriteString(" a=")
		b.WriteString(pctEncode(a))
	}
	for _, e := range env {
		b.WriteString(" e=")
		b.WriteString(pctEncode(e))
	}
	return strings.TrimPrefix(b.String(), " ")
}

// userNetIP is the address QEMU's user networking leases first: its plan
// is fixed (10.0.2.0/24, gateway .2, DNS .3), so the guest needs no DHCP
// round trips to learn it (30-85 ms of boot under TCG).
const userNetIP = "10.0.2.15/24"

// netParams passes the static network configuration, ip= then gw= then
// dns=; without ip= the kernel asks DHCP.
func netParams(o *runOpts) string {
	ip := o.ip
	switch {
	case ip == "dhcp":
		ip = ""
	case ip == "" && o.net == "user":
		ip = userNetIP
	}
	var b strings.Builder
	for _, p := range []struct{ key, value string }{{"ip", ip}, {"gw", o.gw}, {"dns", o.dns}} {
		if p.value != "" {
			b.WriteString(" " + p.key + "=" + pctEncode(p.value))
		}
	}
	return b.String()
}

// shareParams tells the kernel where to mount each share, by mount tag.
func shareParams(o *runOpts) string {
	var b strings.Builder
	for _, s := range o.shares {
		b.WriteString(" share=" + s.Tag + ":" + pctEncode(s.Guest))
	}
	return b.String()
}

func profParam(o *runOpts) string {
	if o.prof {
		return " -prof"
	}
	return ""
}

// pctEncode escapes what the command line cannot carry as is.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		// QEMU's -append also splits on commas in some paths; encode them too.
		if c <= ' ' || c > '~' || c == '%' || c == ',' || c == '"' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
