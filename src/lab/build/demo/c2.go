// c2: the fake external command-and-control host of the lab's scenario.
//
// It runs as a plain process in a network namespace of its own (not in a pod), listening on
// an address such as 203.0.113.66:4444 (TEST-NET-3, never routed on the Internet). For each
// connection it reads one line (at most 4 KiB, 5 s timeout), holds the connection for 1 s
// (so observers such as the Falco stand-in can find the socket), answers "OK\n" and closes.
package main

import (
	"bufio"
	"context"
	"errors"
	"log"
	"net"
	"time"
)

const c2MaxConns = 64

func runC2(args []string) error {
	fs := newFlags("c2")
	listen := fs.String("listen", "203.0.113.66:4444", "TCP address to listen on")
	hold := fs.Duration("hold", time.Second, "how long to hold each connection before answering")
	_ = fs.Parse(args)
	if *hold < 0 || *hold > time.Minute {
		return errors.New("--hold must be between 0 and 1m")
	}
	ctx, stop := signalContext()
	defer stop()

	return serveTCP(ctx, *listen, c2MaxConns, func(ctx context.Context, c net.Conn) { serveC2Conn(ctx, c, *hold) })
}

func serveC2Conn(ctx context.Context, c net.Conn, hold time.Duration) {
	defer c.Close()
	peer := c.RemoteAddr().String()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := readLine(bufio.NewReaderSize(c, maxRequestLine+2), maxRequestLine)
	if err != nil {
		log.Printf("connection from %s: read: %v", peer, err)
		return
	}
	sleepCtx(ctx, hold)
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("OK\n")); err != nil {
		log.Printf("connection from %s: %q, write: %v", peer, clip(line, 200), err)
		return
	}
	log.Printf("connection from %s: %q -> OK", peer, clip(line, 200))
}
