// tcpserver.go: the accept loop the line servers share (db, c2): bounded concurrent
// connections (one over the bound is closed at once), accept errors retried, and a clean stop
// that waits for the connections in flight when the context ends.
package main

import (
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"time"
)

func serveTCP(ctx context.Context, listen string, maxConns int, handle func(context.Context, net.Conn)) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	log.Printf("listening on %s", ln.Addr())
	go func() { <-ctx.Done(); _ = ln.Close() }()

	sem := make(chan struct{}, maxConns)
	var wg sync.WaitGroup
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			log.Printf("accept: %v", err)
			sleepCtx(ctx, 100*time.Millisecond)
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			log.Printf("connection from %s: too many connections, closing", c.RemoteAddr())
			_ = c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			handle(ctx, c)
		}()
	}
	wg.Wait()
	log.Printf("stopped")
	return nil
}
