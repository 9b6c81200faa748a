// falco: the lab's stand-in for Falco 0.40 (Falco itself cannot be built on the lab machine).
//
// It runs in a privileged hostNetwork + hostPID pod. It prints Falco 0.40's startup text and
// a line saying plainly that it is not Falco, then watches the node's conntrack table
// (conntrack.go) for NEW TCP connections. Each one to a --c2 address from a pod of this node
// (pod identity: kube.go; process: procscan.go) becomes one Falco JSON alert line on stdout
// (alert.go), written with a single Write, and with --http-output also POSTed as Falco's
// http_output does (httpoutput.go). Other connections are only counted.
//
// Like Falco, text goes to stderr (prefixed with asctime-style local time, in the pod: UTC)
// and alerts to stdout. On SIGTERM/SIGINT the conntrack child is stopped and it exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const standInNotice = `falcoshark lab stand-in: this is NOT Falco. Falco cannot be built on this machine, so this pod emits Falco 0.40's JSON alerts for TCP connections it really observes in the node's conntrack table (rule "Outbound Connection to C2 Servers").`

// falcoPrefix is Falco's stderr line prefix: asctime(), e.g. "Tue Dec  1 08:16:00 2026: ".
func falcoPrefix(t time.Time) string { return t.UTC().Format(time.ANSIC) + ": " }

// falcoStartupLines is Falco 0.40's startup text, as falcoStartupLines in src/lab/falcoLog.ts
// has it, with the node's own kernel line (what Falco prints from /proc/version).
func falcoStartupLines(hostname, sysInfo string, started time.Time) []string {
	lines := []string{
		"Falco version: 0.40.0 (x86_64)",
		"Falco initialized with configuration files:",
		"   /etc/falco/falco.yaml | schema validation: ok",
		"System info: " + sysInfo,
		"Loading rules from:",
		"   /etc/falco/falco_rules.yaml | schema validation: ok",
		"   /etc/falco/falco-deprecated_rules.yaml | schema validation: ok",
		"Hostname value has been overridden via environment variable to: " + hostname,
		"The chosen syscall buffer dimension is: 8388608 bytes (8 MBs)",
		"Starting health webserver with threadiness 2, listening on 0.0.0.0:8765",
		"Loaded event sources: syscall",
		"Enabled event sources: syscall",
		"Opening 'syscall' source with modern BPF probe.",
		"One ring buffer every '2' CPUs.",
	}
	p := falcoPrefix(started)
	for i, l := range lines {
		lines[i] = p + l
	}
	return lines
}

// systemInfo is the kernel line: <proc>/version as Falco prints it, else built from uname(2).
func systemInfo(procRoot string) string {
	if b, err := readFileLimit(procRoot+"/version", 4096); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" && !strings.ContainsAny(s, "\n\r") {
			return s
		}
	}
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "unknown"
	}
	return utsString(u.Sysname[:]) + " version " + utsString(u.Release[:]) + " " + utsString(u.Version[:])
}

func utsString[T int8 | uint8](a []T) string {
	b := make([]byte, 0, len(a))
	for _, c := range a {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// addrList is the repeatable --c2 flag.
type addrList []netip.AddrPort

func (l *addrList) String() string {
	s := make([]string, len(*l))
	for i, a := range *l {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

func (l *addrList) Set(v string) error {
	if len(*l) >= 64 {
		return errors.New("at most 64 --c2 addresses")
	}
	a, err := netip.ParseAddrPort(v)
	if err != nil {
		return fmt.Errorf("want ip:port: %v", err)
	}
	*l = append(*l, netip.AddrPortFrom(a.Addr().Unmap(), a.Port()))
	return nil
}

// falcoStats are the stand-in's counters (printed once, at exit).
type falcoStats struct {
	newConns, toC2, other, unparsed, dropped, notPod, alerts, procFound, procMissing atomic.Int64
}

func runFalco(args []string) error {
	fs := newFlags("falco")
	node := fs.String("node", "", "node name: the alerts' hostname, and whose pods are watched (required)")
	ctBin := fs.String("conntrack", "/usr/sbin/conntrack", "conntrack binary")
	var c2s addrList
	fs.Var(&c2s, "c2", "ip:port of a C2 server (repeatable; default 203.0.113.66:4444)")
	domain := fs.String("c2-domain", "updates.cdn-telemetry.xyz", "fd.sip.name for the first --c2 address")
	procRoot := fs.String("proc", "/proc", "the node's /proc (the pod has hostPID)")
	noAPI := fs.Bool("no-api", false, "test mode without the Kubernetes API: every source counts as a pod of unknown identity (null k8s/container fields)")
	procBudget := fs.Duration("proc-budget", 200*time.Millisecond, "time allowed for finding the process of one connection")
	httpURL := fs.String("http-output", "", "also POST each alert to this URL, one JSON alert per request, as Falco's http_output does (e.g. Falcosidekick's http://falco-falcosidekick.falco.svc:2801/)")
	_ = fs.Parse(args)
	if *node == "" {
		return errors.New("--node is required")
	}
	if *procBudget <= 0 || *procBudget > 5*time.Second {
		return errors.New("--proc-budget must be in (0, 5s]")
	}
	if len(c2s) == 0 {
		_ = c2s.Set("203.0.113.66:4444")
	}
	if *httpURL != "" {
		if err := checkHTTPOutputURL(*httpURL); err != nil {
			return fmt.Errorf("--http-output %q: %v", *httpURL, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigName := "signal"
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sigc
		if s == syscall.SIGINT {
			sigName = "SIGINT"
		} else {
			sigName = "SIGTERM"
		}
		cancel()
	}()

	warn := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%sfalcoshark lab stand-in: %s\n", falcoPrefix(time.Now()), fmt.Sprintf(format, a...))
	}
	started := time.Now()
	var head strings.Builder
	for _, l := range falcoStartupLines(*node, systemInfo(*procRoot), started) {
		head.WriteString(l + "\n")
	}
	head.WriteString(falcoPrefix(started) + standInNotice + "\n")
	_, _ = os.Stderr.WriteString(head.String())

	var pods *podCache
	if !*noAPI {
		var err error
		if pods, err = newPodCache(*node, warn); err != nil {
			return err
		}
		go pods.loop(ctx)
	} else {
		warn("--no-api: pods are not looked up; every source of a C2 connection is taken as a pod of unknown identity")
	}

	var out *httpOutput
	if *httpURL != "" {
		out = newHTTPOutput(ctx, *httpURL, 5*time.Second, warn)
		warn("http_output: posting every alert to %s", *httpURL)
	}

	var st falcoStats
	events := make(chan ctEvent, 256)
	onLine := func(line string) {
		ev, err := parseConntrackLine(line)
		if err != nil {
			if n := st.unparsed.Add(1); n <= 5 || n%1000 == 0 {
				warn("unparsed conntrack line #%d (%v): %q", n, err, clip(line, 200))
			}
			return
		}
		st.newConns.Add(1)
		if c2Index(c2s, ev.Dst) < 0 {
			st.other.Add(1)
			return
		}
		st.toC2.Add(1)
		select {
		case events <- ev:
		default:
			st.dropped.Add(1)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range events {
			handleC2Event(ctx, ev, c2s, *domain, *node, *procRoot, *procBudget, pods, out, &st, warn)
		}
	}()
	runConntrack(ctx, *ctBin, onLine, warn) // returns once ctx ends and the child is gone
	close(events)
	wg.Wait()
	if out != nil {
		out.close()
		warn("http_output: %d alerts posted, %d failed, %d dropped (queue full)", out.posted.Load(), out.failed.Load(), out.dropped.Load())
	}

	fmt.Fprintf(os.Stderr, "%s%s received, exiting...\n", falcoPrefix(time.Now()), sigName) // set before cancel()
	n := st.alerts.Load()
	fmt.Fprintf(os.Stderr, "Events detected: %d\nRule counts by severity:\n", n)
	if n > 0 {
		fmt.Fprintf(os.Stderr, "   WARNING: %d\nTriggered rules by rule name:\n   %s: %d\n", n, c2Rule, n)
	} else {
		fmt.Fprintf(os.Stderr, "Triggered rules by rule name:\n")
	}
	warn("conntrack NEW tcp events %d (to C2 %d, other %d, unparsed lines %d); alerts %d; C2 connections not from a pod of this node %d; dropped (queue full) %d; process found %d, not found %d",
		st.newConns.Load(), st.toC2.Load(), st.other.Load(), st.unparsed.Load(), n, st.notPod.Load(), st.dropped.Load(), st.procFound.Load(), st.procMissing.Load())
	return nil
}

// c2Index is the position of dst among the C2 addresses, or -1.
func c2Index(c2s []netip.AddrPort, dst netip.AddrPort) int {
	for i, a := range c2s {
		if a == dst {
			return i
		}
	}
	return -1
}

func handleC2Event(ctx context.Context, ev ctEvent, c2s []netip.AddrPort, domain, node, procRoot string,
	budget time.Duration, pods *podCache, out *httpOutput, st *falcoStats, warn func(string, ...any)) {
	// The process first: the connection is short-lived (the c2 server holds it ~1 s).
	proc, err := findSocketOwner(procRoot, ev.Src, ev.Dst, time.Now().Add(budget))
	if err != nil {
		proc = nil
	}
	var pod *podRef
	if pods != nil {
		if pod = pods.lookup(ctx, ev.Src.Addr()); pod == nil {
			st.notPod.Add(1)
			return
		}
	}
	if proc != nil {
		st.procFound.Add(1)
	} else {
		st.procMissing.Add(1)
		warn("no process found for %s->%s: %v", ev.Src, ev.Dst, err)
	}
	d := ""
	if ev.Dst.Addr() == c2s[0].Addr() {
		d = domain
	}
	line, err := buildAlert(alertInput{TsNs: ev.TsNs, Hostname: node, Proto: ev.Proto, Src: ev.Src, Dst: ev.Dst, Domain: d, Pod: pod, Proc: proc})
	if err != nil {
		warn("alert: %v", err)
		return
	}
	if _, err := os.Stdout.Write(line); err != nil { // one Write per alert line
		warn("stdout: %v", err)
		return
	}
	st.alerts.Add(1)
	if out != nil {
		out.send(line)
	}
}
