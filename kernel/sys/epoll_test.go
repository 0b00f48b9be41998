package sys

import (
	"testing"

	"unigo/kernel/abi/linux"
)

// epollList returns the fds epoll instance epfd watches, in list order.
func epollList(epfd int) []int32 {
	var out []int32
	for i := files[epfd].epHead; i != 0; i = interestAt(i).nextEp {
		out = append(out, interestAt(i).fd)
	}
	return out
}

func resetFiles() {
	files = [MaxFDs]file{}
	interests = [maxInterests]interest{}
	freeInterest, interestsUp = 0, false
}

func TestInterestPool(t *testing.T) {
	resetFiles()
	defer resetFiles()
	ep1, ep2 := 10, 11
	files[ep1].kind, files[ep2].kind = kindEpoll, kindEpoll
	for fd := 20; fd < 25; fd++ {
		files[fd].kind = kindSocket
		if !addInterest(ep1, fd, linux.EPOLLIN, uint64(fd)) {
			t.Fatalf("addInterest(%d, %d) = false", ep1, fd)
		}
	}
	addInterest(ep2, 22, linux.EPOLLIN, 0)
	if got := epollList(ep1); len(got) != 5 || got[0] != 20 || got[4] != 24 {
		t.Fatalf("epoll %d watches %v, want [20 21 22 23 24]: the order they were added", ep1, got)
	}
	if findInterest(ep1, 22) == 0 || findInterest(ep2, 22) == 0 || findInterest(ep2, 21) != 0 {
		t.Fatalf("findInterest: wrong answers for (ep1,22), (ep2,22), (ep2,21)")
	}
	// Closing fd 22 removes it from both instances; the others stay.
	dropInterests(22)
	if got := epollList(ep1); len(got) != 4 || contains(got, 22) {
		t.Errorf("after closing 22, epoll %d watches %v", ep1, got)
	}
	if got := epollList(ep2); len(got) != 0 {
		t.Errorf("after closing 22, epoll %d watches %v, want nothing", ep2, got)
	}
	// Removing from the middle, the head and the tail keeps the list whole.
	removeInterest(findInterest(ep1, 21))
	removeInterest(findInterest(ep1, 24))
	removeInterest(findInterest(ep1, 20))
	if got := epollList(ep1); len(got) != 1 || got[0] != 23 {
		t.Errorf("epoll %d watches %v, want [23]", ep1, got)
	}
	addInterest(ep1, 24, linux.EPOLLIN, 0)
	if got := epollList(ep1); len(got) != 2 || got[1] != 24 {
		t.Errorf("after removing the tail and adding again, epoll %d watches %v, want [23 24]", ep1, got)
	}
	removeInterest(findInterest(ep1, 24))
	// Closing the epoll instance frees its interests and unlinks them from the fds.
	dropInterests(ep1)
	if files[23].fdHead != 0 || files[ep1].epHead != 0 {
		t.Errorf("after closing the epoll instance: fd 23 head %d, epoll head %d; want 0, 0", files[23].fdHead, files[ep1].epHead)
	}
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Thousands of connections come and go: the pool never leaks, and one
// instance can watch more fds than the old per-instance limit of 32.
func TestInterestPoolChurn(t *testing.T) {
	resetFiles()
	defer resetFiles()
	ep := 3
	files[ep].kind = kindEpoll
	for round := 0; round < 20; round++ {
		for fd := 4; fd < MaxFDs; fd++ {
			files[fd].kind = kindSocket
			if !addInterest(ep, fd, linux.EPOLLIN, 0) {
				t.Fatalf("round %d: addInterest(fd %d) = false: the pool leaked", round, fd)
			}
		}
		if n := len(epollList(ep)); n != MaxFDs-4 {
			t.Fatalf("round %d: epoll watches %d fds, want %d", round, n, MaxFDs-4)
		}
		for fd := 4; fd < MaxFDs; fd++ {
			dropInterests(fd)
			files[fd] = file{}
		}
	}
	if addInterest(ep, 4, linux.EPOLLIN, 0) == false {
		t.Fatalf("the pool is empty after every interest was dropped")
	}
}
