// api: the demo's HTTP API, and the beacon loop that makes its pod the "compromised" one.
//
// GET /api/items opens a TCP connection to --db for each request, sends one line, reads the
// one-line answer and returns it as a JSON list. GET /healthz answers "ok".
//
// The beacon loop (off when --beacon is empty): every --beacon-every, resolve the host of
// --beacon afresh with net.DefaultResolver (the pure Go resolver in a CGO_ENABLED=0 build,
// reading the pod's /etc/resolv.conf; no caching), dial its first IPv4 address with a 3 s
// timeout, write "BEACON host=<hostname> seq=N\n", wait up to 3 s for a one-line reply and
// close. Each beacon is logged in one line, whether it worked or not.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func runAPI(args []string) error {
	fs := newFlags("api")
	listen := fs.String("listen", ":8080", "HTTP address to listen on")
	db := fs.String("db", "db:5432", "host:port of the db server")
	beacon := fs.String("beacon", "updates.cdn-telemetry.xyz:4444", "host:port to beacon to (empty: no beacon)")
	every := fs.Duration("beacon-every", 5*time.Second, "interval between beacons")
	_ = fs.Parse(args)
	if *beacon != "" {
		if _, _, err := net.SplitHostPort(*beacon); err != nil {
			return fmt.Errorf("--beacon: %v", err)
		}
		if *every < 100*time.Millisecond {
			return errors.New("--beacon-every must be at least 100ms")
		}
	}
	ctx, stop := signalContext()
	defer stop()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) { serveItems(w, r, *db) })
	if *beacon != "" {
		go beaconLoop(ctx, *beacon, *every)
	}
	return serveHTTP(ctx, newHTTPServer(*listen, mux))
}

type item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func serveItems(w http.ResponseWriter, r *http.Request, db string) {
	start := time.Now()
	answer, err := queryDB(r.Context(), db, "SELECT id, name FROM items")
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		log.Printf("GET /api/items from %s: db %s: %v", r.RemoteAddr, db, err)
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "db: " + err.Error()})
		return
	}
	items := parseRows(answer)
	log.Printf("GET /api/items from %s: %d items from %s in %s", r.RemoteAddr, len(items), db, time.Since(start).Round(time.Millisecond))
	_ = json.NewEncoder(w).Encode(items)
}

// queryDB sends one request line to the db server and returns its one-line answer.
func queryDB(ctx context.Context, addr, req string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	if _, err := c.Write([]byte(req + "\n")); err != nil {
		return "", err
	}
	return readLine(bufio.NewReaderSize(c, maxRequestLine+2), maxRequestLine)
}

// parseRows turns "ROW id=1 name=widget" into items (an answer that is not a row gives none).
func parseRows(answer string) []item {
	items := []item{}
	for _, row := range strings.Split(answer, ";") {
		f := strings.Fields(row)
		if len(f) == 0 || f[0] != "ROW" {
			continue
		}
		var it item
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "id":
				it.ID, _ = strconv.Atoi(v)
			case "name":
				it.Name = v
			}
		}
		items = append(items, it)
	}
	return items
}

func beaconLoop(ctx context.Context, target string, every time.Duration) {
	hostname, err := os.Hostname()
	if err != nil {
		hostname = "unknown"
	}
	log.Printf("beacon: to %s every %s", target, every)
	for seq := 1; sleepCtx(ctx, every); seq++ {
		start := time.Now()
		ip, reply, err := beaconOnce(ctx, target, hostname, seq)
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			log.Printf("beacon seq=%d to %s (%s): error: %v (%s)", seq, target, ip, err, took)
			continue
		}
		log.Printf("beacon seq=%d to %s (%s): ok, reply %q (%s)", seq, target, ip, clip(reply, 80), took)
	}
}

// beaconOnce resolves, dials, writes one line and reads one line back; it returns the address used.
func beaconOnce(ctx context.Context, target, hostname string, seq int) (string, string, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "-", "", err
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	addrs, err := net.DefaultResolver.LookupIPAddr(lctx, host)
	cancel()
	if err != nil {
		return "-", "", fmt.Errorf("resolve: %w", err)
	}
	var ip net.IP
	for _, a := range addrs {
		if v4 := a.IP.To4(); v4 != nil {
			ip = v4
			break
		}
	}
	if ip == nil {
		return "-", "", fmt.Errorf("resolve: %s has no IPv4 address", host)
	}
	addr := net.JoinHostPort(ip.String(), port)
	d := net.Dialer{Timeout: 3 * time.Second}
	c, err := d.DialContext(ctx, "tcp4", addr)
	if err != nil {
		return addr, "", err
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprintf(c, "BEACON host=%s seq=%d\n", hostname, seq); err != nil {
		return addr, "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	reply, err := readLine(bufio.NewReaderSize(c, maxRequestLine+2), maxRequestLine)
	if err != nil {
		return addr, "", fmt.Errorf("reply: %w", err)
	}
	return addr, reply, nil
}
