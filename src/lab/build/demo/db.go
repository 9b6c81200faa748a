// db: a tiny TCP server standing in for the demo's database.
//
// Protocol: newline-terminated request lines (at most 4 KiB each), one answer line each:
//
//	PING               -> PONG
//	SELECT ... / GET ... -> ROW id=1 name=widget
//	anything else      -> ERR unknown request
//
// A connection idle for 30 s is closed; at most 256 connections are served at once.
package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

const (
	maxRequestLine = 4 << 10
	dbIdleTimeout  = 30 * time.Second
	dbMaxConns     = 256
)

func runDB(args []string) error {
	fs := newFlags("db")
	listen := fs.String("listen", ":5432", "TCP address to listen on")
	_ = fs.Parse(args)
	ctx, stop := signalContext()
	defer stop()

	return serveTCP(ctx, *listen, dbMaxConns, serveDBConn)
}

func serveDBConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	stopAfter := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stopAfter()
	peer := c.RemoteAddr().String()
	br := bufio.NewReaderSize(c, maxRequestLine+2)
	n := 0
	for ctx.Err() == nil {
		_ = c.SetReadDeadline(time.Now().Add(dbIdleTimeout))
		line, err := readLine(br, maxRequestLine)
		if err != nil {
			switch {
			case errors.Is(err, errLineTooLong):
				log.Printf("%s: request over %d bytes, closing", peer, maxRequestLine)
				_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
				_, _ = c.Write([]byte("ERR request too long\n"))
			case ctx.Err() != nil || errors.Is(err, io.EOF):
			case errors.Is(err, os.ErrDeadlineExceeded):
				log.Printf("%s: idle for %s, closing after %d requests", peer, dbIdleTimeout, n)
			default:
				log.Printf("%s: %v", peer, err)
			}
			return
		}
		n++
		answer := dbAnswer(line)
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(answer + "\n")); err != nil {
			log.Printf("%s: write: %v", peer, err)
			return
		}
		log.Printf("%s: %q -> %q", peer, clip(line, 80), answer)
	}
}

// dbAnswer is the whole "database".
func dbAnswer(req string) string {
	word := strings.ToUpper(strings.TrimSpace(req))
	if i := strings.IndexByte(word, ' '); i >= 0 {
		word = word[:i]
	}
	switch word {
	case "PING":
		return "PONG"
	case "SELECT", "GET":
		return "ROW id=1 name=widget"
	default:
		return "ERR unknown request"
	}
}
