// sidekick: the lab's stand-in for Falcosidekick's webhook output (Falcosidekick itself is not
// served by the Go module proxy these machines reach, so it cannot be built here).
//
// What it does is the part falcoshark relies on, configured the way Falcosidekick's Helm chart
// configures Falcosidekick, through environment variables:
//
//	LISTENADDRESS, LISTENPORT (default 2801)      where Falco's http_output POSTs its alerts
//	WEBHOOK_ADDRESS                               the webhook output's URL (required here)
//	WEBHOOK_CUSTOMHEADERS  "Name:value,Name:value" headers added to every forwarded request
//	WEBHOOK_MINIMUMPRIORITY                       alerts below this priority are not forwarded
//
// Each POST / with one Falco JSON alert (priority, rule, time and output_fields required, as
// Falcosidekick's check has it) is answered 200 and forwarded as Falcosidekick's payload
// (uuid, output, priority, rule, time, output_fields, source, tags, hostname; a new random
// uuid; source "syscall" when missing; time as RFC 3339 with nanoseconds, trailing zeros
// trimmed; output_fields numbers kept exact) with Content-Type application/json;
// charset=utf-8 and User-Agent Falcosidekick. GET /ping answers "pong", GET /healthz
// {"status": "ok"}. It says in its log that it is a stand-in.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const sidekickNotice = "falcoshark lab stand-in: this is NOT Falcosidekick. Falcosidekick cannot be built on this machine (its module is not served by the Go module proxy here), so this pod forwards Falco's alerts to a webhook the way Falcosidekick's webhook output does, configured with Falcosidekick's environment variables."

// falcoPriorities, most severe first (Falco's names; Falcosidekick compares case-insensitively).
var falcoPriorities = []string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// priorityRank is the position of p in falcoPriorities (0 = Emergency), or -1.
func priorityRank(p string) int {
	for i, n := range falcoPriorities {
		if strings.EqualFold(n, p) {
			return i
		}
	}
	if strings.EqualFold(p, "info") {
		return 6
	}
	return -1
}

type sidekickConfig struct {
	listen      string
	webhook     string
	headers     [][2]string
	minPriority int // rank; alerts of a larger rank are not forwarded
}

// parseCustomHeaders reads "Name:value,Name:value" as Falcosidekick does: split on ',', then on
// ':'; a part that does not split into exactly two is ignored.
func parseCustomHeaders(v string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(v, ",") {
		kv := strings.Split(part, ":")
		if len(kv) == 2 {
			out = append(out, [2]string{kv[0], kv[1]})
		}
	}
	return out
}

func sidekickConfigFromEnv(getenv func(string) string) (sidekickConfig, error) {
	c := sidekickConfig{minPriority: len(falcoPriorities) - 1}
	port := 2801
	if v := getenv("LISTENPORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("LISTENPORT %q: want 1-65535", v)
		}
		port = p
	}
	addr := getenv("LISTENADDRESS")
	if addr != "" && net.ParseIP(addr) == nil {
		return c, fmt.Errorf("LISTENADDRESS %q: not an IP address", addr)
	}
	c.listen = net.JoinHostPort(addr, strconv.Itoa(port))
	c.webhook = getenv("WEBHOOK_ADDRESS")
	if err := checkHTTPOutputURL(c.webhook); err != nil {
		return c, fmt.Errorf("WEBHOOK_ADDRESS %q: %v", c.webhook, err)
	}
	c.headers = parseCustomHeaders(getenv("WEBHOOK_CUSTOMHEADERS"))
	if v := getenv("WEBHOOK_MINIMUMPRIORITY"); v != "" {
		if c.minPriority = priorityRank(v); c.minPriority < 0 {
			return c, fmt.Errorf("WEBHOOK_MINIMUMPRIORITY %q: not a Falco priority", v)
		}
	}
	return c, nil
}

// sidekickPayload is Falcosidekick's forwarded body, in its key order.
type sidekickPayload struct {
	UUID         string                     `json:"uuid,omitempty"`
	Output       string                     `json:"output"`
	Priority     string                     `json:"priority"`
	Rule         string                     `json:"rule"`
	Time         time.Time                  `json:"time"`
	OutputFields map[string]json.RawMessage `json:"output_fields"`
	Source       string                     `json:"source"`
	Tags         []string                   `json:"tags,omitempty"`
	Hostname     string                     `json:"hostname,omitempty"`
}

var errBadAlert = errors.New("Please send a valid request body")

// toSidekickPayload decodes one Falco alert and makes the payload Falcosidekick would forward.
func toSidekickPayload(body []byte, uuid string) (sidekickPayload, error) {
	var p sidekickPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return p, errBadAlert
	}
	rank := priorityRank(p.Priority)
	if rank < 0 || p.Rule == "" || p.Time.IsZero() || len(p.OutputFields) == 0 {
		return p, errBadAlert
	}
	p.Priority = falcoPriorities[rank]
	if p.Source == "" {
		p.Source = "syscall"
	}
	p.UUID = uuid
	return p, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type sidekick struct {
	cfg    sidekickConfig
	client *http.Client
	queue  chan sidekickPayload

	accepted, rejected, forwarded, filtered, failed, dropped atomic.Int64
}

func (s *sidekick) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("pong\n")) })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status": "ok"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			s.rejected.Add(1)
			http.Error(w, "Please send with post http method", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		var p sidekickPayload
		if err == nil {
			p, err = toSidekickPayload(body, newUUID())
		}
		if err != nil {
			s.rejected.Add(1)
			http.Error(w, errBadAlert.Error(), http.StatusBadRequest)
			return
		}
		s.accepted.Add(1)
		if priorityRank(p.Priority) > s.cfg.minPriority {
			s.filtered.Add(1)
			return
		}
		select {
		case s.queue <- p:
		default:
			s.dropped.Add(1)
			log.Printf("webhook: queue full, alert %s dropped", p.UUID)
		}
	})
	return mux
}

func (s *sidekick) forwardLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-s.queue:
			if err := s.forward(ctx, p); err != nil {
				s.failed.Add(1)
				log.Printf("[ERROR] : Webhook - %v", err)
				continue
			}
			s.forwarded.Add(1)
			log.Printf("[INFO]  : Webhook - POST OK (200) uuid %s rule %q", p.UUID, p.Rule)
		}
	}
}

func (s *sidekick) forward(ctx context.Context, p sidekickPayload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Falcosidekick")
	for _, h := range s.cfg.headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return nil
	}
	return fmt.Errorf("POST %s: HTTP %d", s.cfg.webhook, resp.StatusCode)
}

func runSidekick(args []string) error {
	fs := newFlags("sidekick")
	_ = fs.Parse(args)
	cfg, err := sidekickConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	log.Print(sidekickNotice)
	names := make([]string, len(cfg.headers))
	for i, h := range cfg.headers {
		names[i] = h[0] // never the values: they hold the webhook's token
	}
	log.Printf("[INFO]  : Enabled Outputs : [Webhook] (address %s, minimum priority %s, custom headers %v)", cfg.webhook, falcoPriorities[cfg.minPriority], names)
	ctx, stop := signalContext()
	defer stop()
	s := &sidekick{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}, queue: make(chan sidekickPayload, 256)}
	go s.forwardLoop(ctx)
	err = serveHTTP(ctx, newHTTPServer(cfg.listen, s.handler()))
	log.Printf("alerts accepted %d, rejected %d, forwarded %d, below the minimum priority %d, failed %d, dropped %d",
		s.accepted.Load(), s.rejected.Load(), s.forwarded.Load(), s.filtered.Load(), s.failed.Load(), s.dropped.Load())
	return err
}
