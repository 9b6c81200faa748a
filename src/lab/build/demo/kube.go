// kube: the Falco stand-in's pod identity, from the Kubernetes API in-cluster.
//
// It lists the pods of its node (GET /api/v1/pods?fieldSelector=spec.nodeName=<node>) with
// the pod's service-account token and CA, and caches pod IP -> {namespace, pod, containers}.
// The cache is refreshed every 30 s, and on a miss at most once per 2 s. hostNetwork pods
// are left out (their IP is the node's), and so are finished pods (their IP may be reused).
// At most 10,000 pods and 64 MiB of answer are taken.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	saDir          = "/var/run/secrets/kubernetes.io/serviceaccount"
	maxPods        = 10000
	maxPodListSize = 64 << 20
)

// containerRef is one container of a pod, as the alert shows it.
type containerRef struct {
	Name  string
	ID    string // full runtime id, "containerd://" stripped
	Image string // spec image
}

// podRef is a pod of this node; Containers[0] is the pod's first container.
type podRef struct {
	Namespace  string
	Name       string
	Containers []containerRef
}

// container returns the container whose id appears in the process's cgroup, or the first.
func (p *podRef) container(cgroup string) containerRef {
	for _, c := range p.Containers {
		if len(c.ID) >= 12 && cgroup != "" && strings.Contains(cgroup, c.ID) {
			return c
		}
	}
	if len(p.Containers) == 0 {
		return containerRef{}
	}
	return p.Containers[0]
}

// podList holds the few fields of a v1.PodList that are used.
type podList struct {
	Items []struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			NodeName    string `json:"nodeName"`
			HostNetwork bool   `json:"hostNetwork"`
			Containers  []struct {
				Name  string `json:"name"`
				Image string `json:"image"`
			} `json:"containers"`
		} `json:"spec"`
		Status struct {
			Phase  string `json:"phase"`
			PodIP  string `json:"podIP"`
			PodIPs []struct {
				IP string `json:"ip"`
			} `json:"podIPs"`
			ContainerStatuses []struct {
				Name        string `json:"name"`
				ContainerID string `json:"containerID"`
			} `json:"containerStatuses"`
		} `json:"status"`
	} `json:"items"`
}

// parsePods decodes a PodList into pod IP -> pod, for the pods of node that have their own IP.
func parsePods(r io.Reader, node string) (map[netip.Addr]*podRef, int, error) {
	var pl podList
	if err := json.NewDecoder(io.LimitReader(r, maxPodListSize)).Decode(&pl); err != nil {
		return nil, 0, err
	}
	out := map[netip.Addr]*podRef{}
	n := 0
	for _, it := range pl.Items {
		if n >= maxPods {
			break
		}
		if it.Spec.HostNetwork || (node != "" && it.Spec.NodeName != node) ||
			it.Status.Phase == "Succeeded" || it.Status.Phase == "Failed" {
			continue
		}
		n++
		p := &podRef{Namespace: it.Metadata.Namespace, Name: it.Metadata.Name}
		for _, c := range it.Spec.Containers {
			ref := containerRef{Name: c.Name, Image: c.Image}
			for _, st := range it.Status.ContainerStatuses {
				if st.Name == c.Name {
					id := st.ContainerID
					if i := strings.Index(id, "://"); i >= 0 {
						id = id[i+3:] // containerd://, cri-o://, docker://
					}
					ref.ID = id
				}
			}
			p.Containers = append(p.Containers, ref)
		}
		ips := []string{it.Status.PodIP}
		for _, x := range it.Status.PodIPs {
			ips = append(ips, x.IP)
		}
		for _, s := range ips {
			if a, err := netip.ParseAddr(s); err == nil {
				out[a.Unmap()] = p
			}
		}
	}
	return out, n, nil
}

// podCache maps pod IPs of this node to pods, refreshed from the API server.
type podCache struct {
	node     string
	client   *http.Client
	base     string
	tokenDir string
	warn     func(string, ...any)

	mu          sync.Mutex
	pods        map[netip.Addr]*podRef
	lastAttempt time.Time
}

func newPodCache(node string, warn func(string, ...any)) (*podCache, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("KUBERNETES_SERVICE_HOST/PORT not set: not running in a pod (use --no-api to test without the API)")
	}
	caPEM, err := os.ReadFile(filepath.Join(saDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("ca.crt: no certificate")
	}
	tr := &http.Transport{
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          2,
	}
	return &podCache{
		node:     node,
		client:   &http.Client{Transport: tr, Timeout: 15 * time.Second},
		base:     "https://" + net.JoinHostPort(host, port),
		tokenDir: saDir,
		warn:     warn,
		pods:     map[netip.Addr]*podRef{},
	}, nil
}

// refresh lists the node's pods and replaces the cache (kept as it was on an error).
func (pc *podCache) refresh(ctx context.Context) error {
	token, err := os.ReadFile(filepath.Join(pc.tokenDir, "token")) // re-read: tokens rotate
	if err != nil {
		return err
	}
	u := pc.base + "/api/v1/pods?fieldSelector=" + url.QueryEscape("spec.nodeName="+pc.node) + fmt.Sprintf("&limit=%d", maxPods)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Accept", "application/json")
	resp, err := pc.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET pods: %s: %s", resp.Status, clip(strings.TrimSpace(string(b)), 200))
	}
	pods, _, err := parsePods(resp.Body, pc.node)
	if err != nil {
		return fmt.Errorf("GET pods: %w", err)
	}
	pc.mu.Lock()
	pc.pods = pods
	pc.mu.Unlock()
	return nil
}

// lookup returns the pod with IP ip, refreshing the cache on a miss (at most once per 2 s).
func (pc *podCache) lookup(ctx context.Context, ip netip.Addr) *podRef {
	pc.mu.Lock()
	p := pc.pods[ip]
	stale := time.Since(pc.lastAttempt) >= 2*time.Second
	if p == nil && stale {
		pc.lastAttempt = time.Now()
	}
	pc.mu.Unlock()
	if p != nil || !stale {
		return p
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pc.refresh(rctx); err != nil {
		pc.warn("pod list: %v", err)
		return nil
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.pods[ip]
}

// loop refreshes the cache every 30 s until ctx ends.
func (pc *podCache) loop(ctx context.Context) {
	for {
		pc.mu.Lock()
		pc.lastAttempt = time.Now()
		pc.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		if err := pc.refresh(rctx); err != nil && ctx.Err() == nil {
			pc.warn("pod list: %v", err)
		}
		cancel()
		if !sleepCtx(ctx, 30*time.Second) {
			return
		}
	}
}
