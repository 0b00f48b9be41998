// epoll exercises epoll and eventfd semantics directly with syscalls and
// prints what it sees; the test compares the output with Linux's.
package main

import (
	"fmt"
	"syscall"
	"time"
)

const (
	efdNonblock = 0x800
	epollET     = 1 << 31
)

func eventfd() int {
	fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, efdNonblock|syscall.O_CLOEXEC, 0)
	if e != 0 {
		panic(e)
	}
	return int(fd)
}

func signal(fd int, n uint64) {
	b := [8]byte{byte(n)}
	syscall.Write(fd, b[:])
}

func wait(ep int, ms int) string {
	ev := make([]syscall.EpollEvent, 8)
	n, err := syscall.EpollWait(ep, ev, ms)
	if err != nil {
		return "error " + err.Error()
	}
	s := fmt.Sprintf("%d:", n)
	for _, e := range ev[:n] {
		s += fmt.Sprintf(" fd%d=%#x", e.Fd, e.Events)
	}
	return s
}

func main() {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		panic(err)
	}
	lt, et := eventfd(), eventfd()
	fmt.Println("add lt:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lt, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: 1}))
	fmt.Println("add et:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, et, &syscall.EpollEvent{Events: syscall.EPOLLIN | epollET, Fd: 2}))
	fmt.Println("add again:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lt, &syscall.EpollEvent{Events: syscall.EPOLLIN}))
	fmt.Println("nothing ready:", wait(ep, 0))

	t := time.Now()
	r := wait(ep, 30)
	fmt.Println("timeout 30ms:", r, time.Since(t) >= 30*time.Millisecond)

	signal(lt, 1)
	signal(et, 1)
	fmt.Println("both ready:", wait(ep, 0))
	fmt.Println("level stays, edge fired once:", wait(ep, 0))
	signal(et, 1)
	fmt.Println("a new edge:", wait(ep, 0))

	var b [8]byte
	n, err := syscall.Read(lt, b[:])
	fmt.Println("read lt:", n, err, b[0])
	_, err = syscall.Read(lt, b[:])
	fmt.Println("read empty:", err)
	fmt.Println("after draining lt:", wait(ep, 0))

	fmt.Println("mod et to level:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_MOD, et, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: 2}))
	fmt.Println("et now level:", wait(ep, 0))
	fmt.Println("del et:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, et, nil))
	fmt.Println("del et again:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, et, nil))
	fmt.Println("after del:", wait(ep, 0))

	// A wait woken by another thread's write.
	go func() { time.Sleep(20 * time.Millisecond); signal(lt, 5) }()
	fmt.Println("woken:", wait(ep, 5000))
	syscall.Close(lt)
	fmt.Println("after close:", wait(ep, 0))
	fmt.Println("ctl on bad fd:", syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, 999, &syscall.EpollEvent{Events: syscall.EPOLLIN}))
}
