// Package virtiorng drives a virtio entropy device (virtio spec v1.2
// §5.4, device id 4): the driver offers device-writable buffers on the
// request queue and the device fills them with random bytes from the
// host (QEMU reads the host's getrandom).
//
// Wire it in: d, err := New(transport, dma, wait); n, err := d.Read(buf).
// wait blocks until the device interrupts.
package virtiorng

import (
	"errors"
	"fmt"
	"sync"

	"unigo/drivers/virtio"
)

const (
	requestQueue = 0   // §5.4.2
	bufSize      = 256 // bytes asked for per request
)

// Device is one entropy device.
type Device struct {
	t      virtio.Transport
	q      *virtio.Queue
	mu     sync.Mutex
	buf    []byte
	phys   uint64
	wait   func() error
	failed error
}

// New initialises the device (§3.1.1); it has no feature bits (§5.4.3).
func New(t virtio.Transport, dma virtio.DMA, wait func() error) (*Device, error) {
	if _, err := virtio.Negotiate(t, "virtiorng", 0); err != nil {
		return nil, err
	}
	d := &Device{t: t, wait: wait}
	var err error
	defer func() {
		if err != nil {
			t.SetStatus(virtio.StatusFailed)
		}
	}()
	if d.q, err = virtio.NewDeviceQueue(t, requestQueue, 4, dma); err != nil {
		return nil, err
	}
	if d.buf, d.phys, err = dma(bufSize); err != nil {
		return nil, err
	}
	virtio.Ready(t)
	return d, nil
}

// ErrDevice: the device returned a bad used-ring entry or nothing.
var ErrDevice = errors.New("virtiorng: device misbehaved")

// Read fills b with bytes from the device, at most bufSize per request;
// it returns how many it got. A device that answers with zero bytes
// twice in a row is reported rather than asked forever.
func (d *Device) Read(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return 0, d.failed
	}
	got, empty := 0, 0
	for got < len(b) {
		want := min(len(b)-got, bufSize)
		clear(d.buf[:want])
		head, err := d.q.Add(d.phys, uint32(want), true)
		if err != nil {
			return got, err
		}
		d.q.Publish()
		d.t.Notify(requestQueue)
		for {
			id, n, ok, err := d.q.Used()
			if err != nil {
				d.failed = fmt.Errorf("%w: %v", ErrDevice, err)
				d.t.Reset()
				return got, d.failed
			}
			if ok && id != head {
				d.failed = fmt.Errorf("%w: completed descriptor %d, want %d", ErrDevice, id, head)
				d.t.Reset()
				return got, d.failed
			}
			if ok {
				got += copy(b[got:], d.buf[:n])
				if n > 0 {
					empty = 0
				} else if empty++; empty == 2 {
					d.failed = fmt.Errorf("%w: no bytes twice in a row", ErrDevice)
					d.t.Reset()
					return got, d.failed
				}
				break
			}
			if err := d.wait(); err != nil {
				// The device still owns the buffer: it cannot be used again.
				d.failed = fmt.Errorf("virtiorng: waiting for the device: %w", err)
				d.t.Reset()
				return got, d.failed
			}
			d.t.AckInterrupt()
		}
	}
	return got, nil
}
