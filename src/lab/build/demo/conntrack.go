// conntrack: the Falco stand-in's event source. It runs
//
//	conntrack -E -e NEW -p tcp -o timestamp
//
// as a child process (argv list, no shell), restarts it with backoff when it exits, and
// parses its lines. A line as conntrack-tools 1.4.7 prints it (a tab after the timestamp):
//
//	[1796114830.254303]	    [NEW] tcp      6 120 SYN_SENT src=10.244.0.12 dst=203.0.113.66 sport=34692 dport=4444 [UNREPLIED] src=203.0.113.66 dst=10.244.0.12 sport=4444 dport=34692
//
// The first src/dst/sport/dport group is the original direction, the second the reply.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ctEvent is one NEW connection from the conntrack event stream (original direction).
type ctEvent struct {
	TsNs  int64 // from conntrack's "[seconds.microseconds]" timestamp
	Proto string
	Src   netip.AddrPort
	Dst   netip.AddrPort
}

const maxConntrackLine = 4 << 10

// parseConntrackLine parses one `conntrack -E -o timestamp` line of a NEW event.
func parseConntrackLine(line string) (ctEvent, error) {
	var ev ctEvent
	f := strings.Fields(line)
	if len(f) < 3 {
		return ev, errors.New("too few fields")
	}
	ts, err := parseCtTimestamp(f[0])
	if err != nil {
		return ev, err
	}
	ev.TsNs = ts
	if f[1] != "[NEW]" {
		return ev, fmt.Errorf("not a NEW event: %q", clip(f[1], 20))
	}
	rest := f[2:]
	if len(rest) >= 2 && (rest[0] == "ipv4" || rest[0] == "ipv6") { // -o extended prints the family first
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return ev, errors.New("no protocol")
	}
	ev.Proto = rest[0]
	if ev.Proto != "tcp" {
		return ev, fmt.Errorf("not tcp: %q", clip(ev.Proto, 20))
	}
	var src, dst, sport, dport string
	for _, tok := range rest[1:] {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			continue
		}
		var p *string
		switch k {
		case "src":
			p = &src
		case "dst":
			p = &dst
		case "sport":
			p = &sport
		case "dport":
			p = &dport
		default:
			continue
		}
		if *p != "" { // second group: the reply direction
			break
		}
		*p = v
	}
	if src == "" || dst == "" || sport == "" || dport == "" {
		return ev, errors.New("missing src/dst/sport/dport")
	}
	if ev.Src, err = parseAddrPort(src, sport); err != nil {
		return ev, fmt.Errorf("src: %w", err)
	}
	if ev.Dst, err = parseAddrPort(dst, dport); err != nil {
		return ev, fmt.Errorf("dst: %w", err)
	}
	return ev, nil
}

// parseCtTimestamp turns "[1796114830.254303]" (seconds.microseconds) into Unix nanoseconds.
func parseCtTimestamp(s string) (int64, error) {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, fmt.Errorf("no [timestamp]: %q", clip(s, 30))
	}
	secStr, fracStr, _ := strings.Cut(s[1:len(s)-1], ".")
	if secStr == "" || len(secStr) > 11 || len(fracStr) > 9 || !allDigits(secStr) || !allDigits(fracStr) {
		return 0, fmt.Errorf("bad timestamp: %q", clip(s, 30))
	}
	sec, _ := strconv.ParseInt(secStr, 10, 64)
	frac, _ := strconv.ParseInt((fracStr + "000000000")[:9], 10, 64)
	return sec*1_000_000_000 + frac, nil
}

func parseAddrPort(ip, port string) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if !allDigits(port) || len(port) > 5 {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", clip(port, 10))
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", port)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// runConntrack runs the conntrack child until ctx ends, restarting it with backoff
// (1 s doubling to 30 s; back to 1 s after a run of a minute or more), and calls onLine
// for each stdout line. Problems are reported through warn.
func runConntrack(ctx context.Context, bin string, onLine func(string), warn func(string, ...any)) {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := conntrackOnce(ctx, bin, onLine, warn)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) >= time.Minute {
			backoff = time.Second
		}
		warn("conntrack exited (%v); restarting it in %s", err, backoff)
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func conntrackOnce(ctx context.Context, bin string, onLine func(string), warn func(string, ...any)) error {
	cmd := exec.Command(bin, "-E", "-e", "NEW", "-p", "tcp", "-o", "timestamp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive us
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	stopped := make(chan struct{})
	go func() { // on shutdown: SIGTERM, then SIGKILL after 2 s
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-stopped:
			case <-time.After(2 * time.Second):
				_ = cmd.Process.Kill()
			}
		case <-stopped:
		}
	}()
	errDone := make(chan struct{})
	go func() { // conntrack's own messages, bounded, onto our stderr
		defer close(errDone)
		readLines(stderr, func(l string) { warn("conntrack: %s", clip(l, 300)) })
	}()
	readLines(stdout, onLine)
	<-errDone
	err = cmd.Wait()
	close(stopped)
	if err == nil {
		err = errors.New("exit status 0")
	}
	return err
}

// readLines calls fn for each line of r; over-long lines are skipped.
func readLines(r io.Reader, fn func(string)) {
	br := bufio.NewReaderSize(r, maxConntrackLine+2)
	for {
		line, err := readLine(br, maxConntrackLine)
		if errors.Is(err, errLineTooLong) {
			continue
		}
		if err != nil {
			return
		}
		fn(line)
	}
}
