// Tests of the pod identity side: decoding a PodList into the pod-IP cache, and one refresh
// against a TLS test server standing in for the API server (path, field selector, token).
package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const podListJSON = `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[
 {"metadata":{"name":"api-7d4b9c6f5-x2x9q","namespace":"shop","uid":"u1"},
  "spec":{"nodeName":"falcoshark-lab","containers":[{"name":"api","image":"localhost/falcoshark-lab/demo:0.1.0"},{"name":"sidecar","image":"busybox"}]},
  "status":{"phase":"Running","podIP":"10.244.0.12","podIPs":[{"ip":"10.244.0.12"},{"ip":"fd00:244::12"}],
   "containerStatuses":[{"name":"sidecar","containerID":"containerd://0123456789abcdef"},{"name":"api","containerID":"containerd://3f2a9c1b7e4d5a6b8c9d"}]}},
 {"metadata":{"name":"falco-abcde","namespace":"falco"},
  "spec":{"nodeName":"falcoshark-lab","hostNetwork":true,"containers":[{"name":"falco","image":"falco:lab"}]},
  "status":{"phase":"Running","podIP":"192.168.1.10"}},
 {"metadata":{"name":"old-job","namespace":"shop"},
  "spec":{"nodeName":"falcoshark-lab","containers":[{"name":"job","image":"job:1"}]},
  "status":{"phase":"Succeeded","podIP":"10.244.0.30"}},
 {"metadata":{"name":"elsewhere","namespace":"shop"},
  "spec":{"nodeName":"other-node","containers":[{"name":"x","image":"x:1"}]},
  "status":{"phase":"Running","podIP":"10.244.1.5"}},
 {"metadata":{"name":"pending","namespace":"shop"},
  "spec":{"nodeName":"falcoshark-lab","containers":[{"name":"p","image":"p"}]},
  "status":{"phase":"Pending"}}
]}`

func TestParsePods(t *testing.T) {
	pods, n, err := parsePods(strings.NewReader(podListJSON), "falcoshark-lab")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(pods) != 2 {
		t.Fatalf("n=%d, %d IPs: %v", n, len(pods), pods)
	}
	p := pods[netip.MustParseAddr("10.244.0.12")]
	if p == nil || p != pods[netip.MustParseAddr("fd00:244::12")] {
		t.Fatal("pod not found under both of its IPs")
	}
	c := p.container("")
	if p.Namespace != "shop" || p.Name != "api-7d4b9c6f5-x2x9q" || c.Name != "api" || c.ID != "3f2a9c1b7e4d5a6b8c9d" || c.Image != "localhost/falcoshark-lab/demo:0.1.0" {
		t.Errorf("got %+v / %+v", p, c)
	}
	for _, ip := range []string{"192.168.1.10", "10.244.0.30", "10.244.1.5"} {
		if pods[netip.MustParseAddr(ip)] != nil {
			t.Errorf("%s: hostNetwork, finished and other-node pods must be left out", ip)
		}
	}
	if _, _, err := parsePods(strings.NewReader(`{"items":[`), "n"); err == nil {
		t.Error("truncated JSON: want an error")
	}
}

func TestPodCacheRefresh(t *testing.T) {
	var gotPath, gotQuery, gotAuth string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotAuth = r.URL.Path, r.URL.Query().Get("fieldSelector"), r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(podListJSON))
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pc := &podCache{node: "falcoshark-lab", client: srv.Client(), base: srv.URL, tokenDir: dir,
		warn: func(f string, a ...any) { t.Logf(f, a...) }, pods: map[netip.Addr]*podRef{}}
	p := pc.lookup(context.Background(), netip.MustParseAddr("10.244.0.12"))
	if p == nil || p.Name != "api-7d4b9c6f5-x2x9q" {
		t.Fatalf("lookup: %+v", p)
	}
	if gotPath != "/api/v1/pods" || gotQuery != "spec.nodeName=falcoshark-lab" || gotAuth != "Bearer tok-123" {
		t.Errorf("request: path %q fieldSelector %q auth %q", gotPath, gotQuery, gotAuth)
	}
	// A miss right after a refresh does not ask the API server again (at most once per 2 s).
	gotPath = ""
	if pc.lookup(context.Background(), netip.MustParseAddr("10.244.9.9")) != nil || gotPath != "" {
		t.Errorf("miss: refreshed again (path %q)", gotPath)
	}
}
