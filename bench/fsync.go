package bench

import (
	"os"
	"syscall"
	"time"
)

// FsyncRate measures how many 4 KiB write + fdatasync pairs per second the
// disk under dir takes, one after another on one file, for d: the rate a
// database reaches if every commit waits for its own flush.
func FsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	// The first flush allocates the file's blocks; it is not counted.
	if _, err := f.WriteAt(buf, 0); err != nil {
		return 0, err
	}
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		return 0, err
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		buf[0]++
		if _, err := f.WriteAt(buf, 0); err != nil {
			return 0, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
