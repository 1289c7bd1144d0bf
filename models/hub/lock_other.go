//go:build !unix

package hub

import (
	"context"
	"errors"
	"os"
	"time"
)

const lockPoll = 50 * time.Millisecond

// lockFile, without flock, holds the lock by creating a marker file
// exclusively next to path. A crash leaves the marker behind: remove
// PATH.lock.held by hand after making sure no vkllm is downloading.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	for announced := false; ; announced = true {
		unlock, err := tryLock(path)
		if !errors.Is(err, ErrBusy) {
			return unlock, err
		}
		if !announced && waiting != nil {
			waiting()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

func tryLock(path string) (unlock func(), err error) {
	held := path + ".held"
	f, err := os.OpenFile(held, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, ErrBusy
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() { os.Remove(held) }, nil
}
