// falcoshark-lab-demo: one static binary for the falcoshark lab's single-node Kubernetes.
//
// Subcommands (each has its own flag set; run `falcoshark-lab-demo SUBCOMMAND -h`):
//
//	db        a tiny line-based TCP server standing in for a database      (db.go)
//	api       HTTP API that queries db, plus the "compromised" beacon loop  (api.go)
//	frontend  HTTP page plus a loop polling the api                         (frontend.go)
//	c2        the fake external command-and-control host                    (c2.go)
//	falco     the Falco stand-in: conntrack events -> Falco 0.40 JSON alerts (falco.go)
//	sidekick  the Falcosidekick stand-in: Falco alerts in, its webhook output out (sidekick.go)
//	flood     UDP for a while, as fast as it can or paced: load for the recorder (flood.go)
//
// Only the Go standard library is used, and the binary is built with CGO_ENABLED=0 so it
// runs in a scratch image (the falco subcommand needs /usr/sbin/conntrack, so its image is
// Debian). This file holds the dispatcher and small helpers shared by the subcommands.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

var commands = map[string]struct {
	run  func(args []string) error
	help string
}{
	"db":       {runDB, "line-based TCP server standing in for a database"},
	"api":      {runAPI, "HTTP API (GET /api/items, /healthz) querying db, with a beacon loop"},
	"frontend": {runFrontend, "HTTP page (GET /, /healthz) polling the api"},
	"c2":       {runC2, "fake external C2 host: reads one line, holds 1 s, answers OK"},
	"falco":    {runFalco, "Falco stand-in: Falco 0.40 JSON alerts for C2 connections seen in conntrack"},
	"sidekick": {runSidekick, "Falcosidekick stand-in: forwards Falco's alerts to a webhook (Falcosidekick's env vars)"},
	"flood":    {runFlood, "sends UDP datagrams for a while, as fast as it can or paced (--mbps): load for the flight recorder"},
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: falcoshark-lab-demo SUBCOMMAND [flags]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", n, commands[n].help)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		if os.Args[1] != "-h" && os.Args[1] != "--help" && os.Args[1] != "help" {
			fmt.Fprintf(os.Stderr, "unknown subcommand %q\n", os.Args[1])
		}
		usage()
		os.Exit(2)
	}
	// Workload logs: one line each, UTC time with microseconds, then the subcommand's name.
	log.SetOutput(os.Stdout)
	log.SetFlags(log.Ldate | log.Ltime | log.Lmicroseconds | log.LUTC | log.Lmsgprefix)
	log.SetPrefix(os.Args[1] + ": ")
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// newFlags returns a flag set that exits 2 on a bad flag (and 0 on -h).
func newFlags(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ExitOnError) }

// signalContext is cancelled on SIGTERM or SIGINT (Kubernetes stops pods with SIGTERM).
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
}

var errLineTooLong = errors.New("line too long")

// readLine reads one '\n'-terminated line of at most max bytes (without the "\r\n").
// A longer line is read to its end and discarded, and errLineTooLong returned, so the
// next call reads the next line. A final line without '\n' before EOF is returned as a line.
func readLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(strings.TrimRight(string(buf), "\r\n")) > max {
			if err != nil && errors.Is(err, bufio.ErrBufferFull) {
				_ = skipLine(br) // the rest of the line, under the caller's read deadline
			}
			return "", errLineTooLong
		}
		switch {
		case err == nil:
			return strings.TrimRight(string(buf), "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return strings.TrimRight(string(buf), "\r\n"), nil
		default:
			return "", err
		}
	}
}

// skipLine discards input up to and including the next '\n'.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err == nil {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// newHTTPServer returns a server with bounded timeouts and header size.
func newHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// serveHTTP runs srv until ctx ends, then shuts it down within 5 s.
func serveHTTP(ctx context.Context, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("listening on %s", srv.Addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	log.Printf("stopped")
	return nil
}

// sleepCtx waits d or until ctx ends; it reports whether the full wait happened.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// clip shortens s for a log line.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
