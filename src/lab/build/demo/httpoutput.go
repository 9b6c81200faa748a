// httpoutput: the stand-in's version of Falco's http_output (falco.yaml `http_output.enabled`,
// `http_output.url`): each alert is POSTed on its own, one JSON document per request, with
// Content-Type application/json (Falco's with json_output: true) and Falco's default user
// agent. Posting never holds up the alert on stdout: alerts wait in a bounded queue and are
// dropped, counted and reported when it is full; a failed POST is reported, not retried
// (Falco does not retry either).
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

const falcoUserAgent = "falcosecurity/falco"

// checkHTTPOutputURL accepts an absolute http or https URL (as Falco's libcurl would use it).
func checkHTTPOutputURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http:// or https:// URL")
	}
	return nil
}

type httpOutput struct {
	url    string
	client *http.Client
	queue  chan []byte
	warn   func(string, ...any)
	wg     sync.WaitGroup

	posted, failed, dropped atomic.Int64
}

// newHTTPOutput starts the sender; close() waits for the queued alerts to be sent.
func newHTTPOutput(ctx context.Context, rawURL string, timeout time.Duration, warn func(string, ...any)) *httpOutput {
	o := &httpOutput{url: rawURL, client: &http.Client{Timeout: timeout}, queue: make(chan []byte, 256), warn: warn}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for body := range o.queue {
			if err := o.post(ctx, body); err != nil {
				if n := o.failed.Add(1); n <= 5 || n%100 == 0 {
					warn("http_output: POST %s failed (#%d): %v", o.url, n, err)
				}
				continue
			}
			o.posted.Add(1)
		}
	}()
	return o
}

// send queues one alert line (its trailing newline is not part of the body).
func (o *httpOutput) send(line []byte) {
	body := bytes.TrimRight(line, "\n")
	select {
	case o.queue <- append([]byte(nil), body...):
	default:
		if n := o.dropped.Add(1); n <= 5 || n%100 == 0 {
			o.warn("http_output: queue full, alert dropped (#%d)", n)
		}
	}
}

func (o *httpOutput) close() {
	close(o.queue)
	o.wg.Wait()
}

func (o *httpOutput) post(ctx context.Context, body []byte) error {
	// The alerts already queued are still sent while the stand-in stops (ctx may be over).
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", falcoUserAgent)
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, clip(string(bytes.TrimSpace(answer)), 200))
	}
	return nil
}
