// latency measures system call round trips: getpid (answered in the
// kernel's trap context), a 1-byte pread of a file in /tmp and a 1-byte
// read of a TCP socket whose data has already arrived (both, under unigo,
// handed off to the kernel's server goroutine), and a 1-byte TCP ping-pong
// over loopback (two reads that wait in the netpoller, two writes, and the
// TCP/IP stack both ways). It prints ns per call.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	const n = 20000
	t := time.Now()
	for i := 0; i < n; i++ {
		syscall.Getpid()
	}
	getpid := time.Since(t).Nanoseconds() / n

	dir := os.Getenv("TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	p := filepath.Join(dir, "unigo-latency-byte")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	f, err := os.Open(p)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	b := make([]byte, 1)
	t = time.Now()
	for i := 0; i < n; i++ {
		if _, err := f.ReadAt(b, 0); err != nil || b[0] != 'x' {
			fmt.Println("read:", err)
			os.Exit(1)
		}
	}
	pread := time.Since(t).Nanoseconds() / n
	f.Close()
	os.Remove(p)
	sockread, rtt, err := socketLatency()
	if err != nil {
		fmt.Println("socket:", err)
		os.Exit(1)
	}
	fmt.Printf("getpid_ns=%d pread1_ns=%d sockread1_ns=%d tcprtt_ns=%d\n", getpid, pread, sockread, rtt)
}

// socketLatency returns the ns per 1-byte read of a loopback TCP socket
// that holds the data already, and per 1-byte ping-pong round trip.
func socketLatency() (read, rtt int64, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() (client, server net.Conn, err error) {
		if client, err = net.Dial("tcp", ln.Addr().String()); err != nil {
			return nil, nil, err
		}
		server, ok := <-accepted
		if !ok {
			client.Close()
			return nil, nil, fmt.Errorf("accept failed")
		}
		return client, server, nil
	}

	// Reads of data that is there: send it all, wait until the first byte
	// is in, give the stack time to deliver the rest, then time the reads.
	const n = 10000
	c, s, err := dial()
	if err != nil {
		return 0, 0, err
	}
	if _, err := c.Write(make([]byte, n)); err != nil {
		return 0, 0, err
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(s, b); err != nil {
		return 0, 0, err
	}
	time.Sleep(200 * time.Millisecond)
	t := time.Now()
	for i := 1; i < n; i++ {
		if _, err := s.Read(b); err != nil {
			return 0, 0, err
		}
	}
	read = time.Since(t).Nanoseconds() / (n - 1)
	c.Close()
	s.Close()

	// Ping-pong: an echo goroutine on one end, the timed loop on the other.
	const rounds = 2000
	c, s, err = dial()
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	go func() {
		defer s.Close()
		buf := make([]byte, 64)
		for {
			k, err := s.Read(buf)
			if err != nil {
				return
			}
			if _, err := s.Write(buf[:k]); err != nil {
				return
			}
		}
	}()
	t = time.Now()
	for i := 0; i < rounds; i++ {
		if _, err := c.Write(b); err != nil {
			return 0, 0, err
		}
		if _, err := io.ReadFull(c, b); err != nil {
			return 0, 0, err
		}
	}
	rtt = time.Since(t).Nanoseconds() / rounds
	return read, rtt, nil
}
