// Tests of --http-output: each alert is POSTed as Falco's http_output does (one JSON alert per
// request, Content-Type application/json, Falco's user agent), a refusing receiver is
// reported and does not stop the alerts after it, and bad URLs are refused at start.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHTTPOutputPostsEachAlert(t *testing.T) {
	type got struct{ method, ctype, agent, body string }
	var mu sync.Mutex
	var reqs []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)})
		n := len(reqs)
		mu.Unlock()
		if n == 2 {
			http.Error(w, "refused", http.StatusServiceUnavailable) // a receiver that says no once
		}
	}))
	defer srv.Close()
	var warnings []string
	var wmu sync.Mutex
	warn := func(f string, a ...any) { wmu.Lock(); warnings = append(warnings, fmt.Sprintf(f, a...)); wmu.Unlock() }
	o := newHTTPOutput(context.Background(), srv.URL+"/", 2*time.Second, warn)
	var lines []string
	for i := 0; i < 3; i++ {
		line, err := buildAlert(alertInput{TsNs: 1796114830254303000 + int64(i), Hostname: "n1", Proto: "tcp",
			Src: netip.MustParseAddrPort("10.244.0.12:56116"), Dst: netip.MustParseAddrPort("203.0.113.66:4444"),
			Pod: goldenPod("busybox"), Proc: rootProc("curl", "/usr/bin/curl", "curl")})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(line))
		o.send(line)
	}
	o.close()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want one per alert (3)", len(reqs))
	}
	for i, r := range reqs {
		if r.method != http.MethodPost || r.ctype != "application/json" || r.agent != "falcosecurity/falco" {
			t.Errorf("request %d: %s, Content-Type %q, User-Agent %q", i, r.method, r.ctype, r.agent)
		}
		if want := strings.TrimSuffix(lines[i], "\n"); r.body != want {
			t.Errorf("request %d body:\n got %s\nwant %s", i, r.body, want)
		}
	}
	if o.posted.Load() != 2 || o.failed.Load() != 1 {
		t.Errorf("posted %d failed %d, want 2 and 1", o.posted.Load(), o.failed.Load())
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "HTTP 503: refused") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestHTTPOutputURLChecked(t *testing.T) {
	for _, u := range []string{"http://falco-falcosidekick.falco.svc:2801/", "https://10.0.0.1/x"} {
		if err := checkHTTPOutputURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"", "falcosidekick:2801", "ftp://x/", "http:///path", "://x"} {
		if err := checkHTTPOutputURL(u); err == nil {
			t.Errorf("%q: accepted", u)
		}
	}
}
