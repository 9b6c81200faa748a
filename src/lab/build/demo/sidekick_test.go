// Tests of the Falcosidekick stand-in: configuration from Falcosidekick's environment variables
// (custom headers split as Falcosidekick splits them), the forwarded payload (uuid added,
// numbers exact, Falcosidekick's key order), refused bodies, the minimum priority, and the
// headers on the forwarded request.
package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSidekickConfigFromEnv(t *testing.T) {
	c, err := sidekickConfigFromEnv(envOf(map[string]string{"WEBHOOK_ADDRESS": "http://falcoshark-serve.falcoshark.svc:2801/",
		"WEBHOOK_CUSTOMHEADERS": "Authorization:Bearer abc+/=,X-Bad:a:b,X-Team:sec", "WEBHOOK_MINIMUMPRIORITY": "warning"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != ":2801" || c.minPriority != 4 {
		t.Errorf("listen %q min %d", c.listen, c.minPriority)
	}
	want := [][2]string{{"Authorization", "Bearer abc+/="}, {"X-Team", "sec"}}
	if len(c.headers) != 2 || c.headers[0] != want[0] || c.headers[1] != want[1] {
		t.Errorf("headers %q, want %q (a part with two colons is ignored, as Falcosidekick does)", c.headers, want)
	}
	for _, bad := range []map[string]string{{}, {"WEBHOOK_ADDRESS": "serve:2801"}, {"WEBHOOK_ADDRESS": "http://x/", "LISTENPORT": "0"},
		{"WEBHOOK_ADDRESS": "http://x/", "WEBHOOK_MINIMUMPRIORITY": "loud"}, {"WEBHOOK_ADDRESS": "http://x/", "LISTENADDRESS": "host"}} {
		if _, err := sidekickConfigFromEnv(envOf(bad)); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestSidekickPayload(t *testing.T) {
	p, err := toSidekickPayload([]byte(goldenTS1), "11111111-2222-4333-8444-555555555555")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	s := string(b)
	if !strings.HasPrefix(s, `{"uuid":"11111111-2222-4333-8444-555555555555","output":"08:47:10.254303000: Warning Outbound`) {
		t.Errorf("key order: %.120s", s)
	}
	for _, part := range []string{`"priority":"Warning","rule":"Outbound Connection to C2 Servers","time":"2026-12-01T08:47:10.254303Z","output_fields":{`,
		`"evt.time":1796114830254303000`, `"source":"syscall","tags":["TA0011",`, `"hostname":"falcoshark-lab"}`} {
		if !strings.Contains(s, part) {
			t.Errorf("missing %s in %s", part, s)
		}
	}
	for _, bad := range []string{`not json`, `{"rule":"r","time":"2026-12-01T08:47:10Z","output_fields":{"a":1}}`,
		`{"priority":"Warning","time":"2026-12-01T08:47:10Z","output_fields":{"a":1}}`, `{"priority":"Warning","rule":"r","output_fields":{"a":1}}`,
		`{"priority":"Warning","rule":"r","time":"2026-12-01T08:47:10Z","output_fields":{}}`} {
		if _, err := toSidekickPayload([]byte(bad), "u"); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	if u := newUUID(); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Errorf("uuid %q", u)
	}
}

func TestSidekickForwardsWithHeaders(t *testing.T) {
	type seen struct{ auth, ctype, agent, body string }
	got := make(chan seen, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	cfg, err := sidekickConfigFromEnv(envOf(map[string]string{"WEBHOOK_ADDRESS": hook.URL + "/", "WEBHOOK_CUSTOMHEADERS": "Authorization:Bearer t0k3n", "WEBHOOK_MINIMUMPRIORITY": "warning"}))
	if err != nil {
		t.Fatal(err)
	}
	s := &sidekick{cfg: cfg, client: &http.Client{Timeout: 2 * time.Second}, queue: make(chan sidekickPayload, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.forwardLoop(ctx)
	in := httptest.NewServer(s.handler())
	defer in.Close()
	post := func(body string) int {
		r, err := http.Post(in.URL+"/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	notice := strings.Replace(goldenTS1, `"priority":"Warning"`, `"priority":"Notice"`, 1)
	if code := post(notice); code != 200 {
		t.Errorf("notice: %d", code)
	}
	if code := post(`{"rule":"x"}`); code != 400 {
		t.Errorf("invalid body: %d, want 400", code)
	}
	if code := post(goldenTS1); code != 200 {
		t.Errorf("warning: %d", code)
	}
	select {
	case g := <-got:
		if g.auth != "Bearer t0k3n" || g.ctype != "application/json; charset=utf-8" || g.agent != "Falcosidekick" {
			t.Errorf("forwarded with %+v", g)
		}
		if !strings.Contains(g.body, `"priority":"Warning"`) || !strings.HasPrefix(g.body, `{"uuid":"`) {
			t.Errorf("body %s", g.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing forwarded")
	}
	select {
	case g := <-got:
		t.Errorf("a second alert was forwarded (the Notice one is below the minimum): %s", g.body)
	case <-time.After(300 * time.Millisecond):
	}
	if s.accepted.Load() != 2 || s.rejected.Load() != 1 || s.filtered.Load() != 1 || s.forwarded.Load() != 1 {
		t.Errorf("accepted %d rejected %d filtered %d forwarded %d", s.accepted.Load(), s.rejected.Load(), s.filtered.Load(), s.forwarded.Load())
	}
	r, _ := http.Get(in.URL + "/ping")
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if string(b) != "pong\n" {
		t.Errorf("ping: %q", b)
	}
}
