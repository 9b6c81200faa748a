// frontend: the demo's web front end.
//
// GET / returns a small HTML page, GET /healthz answers "ok". A loop does GET --upstream
// every --every (3 s timeout per request) and logs the status, so the lab has steady,
// legitimate pod-to-pod traffic (frontend -> api -> db) beside the compromised beacon.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"time"
)

const frontendPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>falcoshark lab shop</title></head>
<body><h1>falcoshark lab shop</h1><p>Demo front end of the falcoshark lab. Items come from the api.</p></body></html>
`

func runFrontend(args []string) error {
	fs := newFlags("frontend")
	listen := fs.String("listen", ":8080", "HTTP address to listen on")
	upstream := fs.String("upstream", "http://api:8080/api/items", "URL polled by the loop (empty: no loop)")
	every := fs.Duration("every", 2*time.Second, "interval between upstream requests")
	_ = fs.Parse(args)
	if *upstream != "" {
		if u, err := url.Parse(*upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--upstream must be an http(s) URL, got %q", *upstream)
		}
		if *every < 100*time.Millisecond {
			return fmt.Errorf("--every must be at least 100ms")
		}
	}
	ctx, stop := signalContext()
	defer stop()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(frontendPage))
	})
	if *upstream != "" {
		go pollLoop(ctx, *upstream, *every)
	}
	return serveHTTP(ctx, newHTTPServer(*listen, mux))
}

func pollLoop(ctx context.Context, upstream string, every time.Duration) {
	client := &http.Client{Timeout: 3 * time.Second}
	log.Printf("polling %s every %s", upstream, every)
	for sleepCtx(ctx, every) {
		start := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream, nil)
		if err != nil {
			log.Printf("GET %s: %v", upstream, err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("GET %s: error: %v", upstream, err)
			}
			continue
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		log.Printf("GET %s: %s, %d bytes in %s", upstream, resp.Status, n, time.Since(start).Round(time.Millisecond))
	}
}
