package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat; it is 100 on every Linux architecture Go supports.
const clockTicks = 100

// Server is a process under load: a child the bench started, or a
// deployment it was pointed at (then Proc is nil and CPU is unknown).
type Server struct {
	URL  string
	Proc *Child
	// Pprof is the base URL of the server's /debug/pprof/, when it serves
	// its profiles (Config.Profile).
	Pprof string
}

// fetchProfile GETs a profile from url into path.
func fetchProfile(ctx context.Context, url, path string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		return fmt.Errorf("GET %s: %s: %s", url, res.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CPU returns the server's CPU seconds so far (user + system), and false
// when the server is not a child of this process.
func (s *Server) CPU() (float64, bool) {
	if s.Proc == nil {
		return 0, false
	}
	return s.Proc.CPU()
}

// Quiesce waits until the server has used less than 5% of a core over
// half a second (its event consumers and projections have caught up), or
// until timeout. It returns how long it waited, and false on timeout or
// when the server is not a child.
func (s *Server) Quiesce(ctx context.Context, timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	prev, ok := s.CPU()
	if !ok {
		return 0, false
	}
	const window = 500 * time.Millisecond
	for time.Since(start) < timeout && ctx.Err() == nil {
		time.Sleep(window)
		cur, _ := s.CPU()
		if cur-prev < 0.05*window.Seconds() {
			return time.Since(start), true
		}
		prev = cur
	}
	return time.Since(start), false
}

// Child is an agora process started by the bench.
type Child struct {
	cmd  *exec.Cmd
	done chan error
	Log  string // its log file
	Addr string
}

// FreeAddr returns a free 127.0.0.1 port.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// StartChild runs bin with args (and env added to this process's), logs
// to logPath, and waits until GET ready on addr answers 200.
func StartChild(ctx context.Context, bin string, args, env []string, addr, ready, logPath string, timeout time.Duration) (*Child, time.Duration, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	c := &Child{cmd: cmd, done: make(chan error, 1), Log: logPath, Addr: addr}
	go func() { c.done <- cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, time.Since(start), nil
			}
		}
		select {
		case err := <-c.done:
			c.done <- err
			return nil, 0, fmt.Errorf("bench: %s exited before it was ready (%v); see %s:\n%s", filepath.Base(bin), err, logPath, tail(logPath))
		case <-ctx.Done():
			c.Stop()
			return nil, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.Stop()
	return nil, 0, fmt.Errorf("bench: %s not ready in %s; see %s:\n%s", filepath.Base(bin), timeout, logPath, tail(logPath))
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// CPU returns the child's CPU seconds so far (user + system).
func (c *Child) CPU() (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Pid()))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: fields are counted after
	// its closing parenthesis; utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+k) / clockTicks, true
}

// RSS returns the child's resident memory in bytes.
func (c *Child) RSS() (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", c.Pid()))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

// Memory returns the child's resident memory now (VmRSS) and at its
// peak (VmHWM) in bytes, from /proc/<pid>/status.
func (c *Child) Memory() (rss, peak int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Pid()))
	if err != nil {
		return 0, 0, false
	}
	return statusKB(string(b), "VmRSS") * 1024, statusKB(string(b), "VmHWM") * 1024, true
}

// statusKB reads a "Name:  123 kB" line of /proc/<pid>/status (0 when
// absent).
func statusKB(status, name string) int64 {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, name+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		v, _ := strconv.ParseInt(f[0], 10, 64)
		return v
	}
	return 0
}

// Stop sends SIGTERM, waits up to 20 s for a graceful exit, then kills.
func (c *Child) Stop() error {
	if c == nil {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("bench: %s", exit)
		}
		return err
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		err := <-c.done
		c.done <- err
		return errors.New("bench: the server did not stop in 20 s and was killed")
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
