// alert: the Falco 0.40 JSON alert (json_output: true) of the rule "Outbound Connection to
// C2 Servers" (falco-deprecated_rules.yaml, Warning), with the same key set, key order,
// value types and output text as c2Alert in src/lab/falcoLog.ts. Keys are sorted at both
// levels (encoding/json sorts map keys), `time` has nine fractional digits, `evt.time` is an
// exact int64, and no HTML escaping is done (JSON.stringify does none either).
//
// Values Falco would not know print as JSON null in output_fields and as <NA> in `output`.
// All values come from what was observed (conntrack, /proc, the API server); they may be
// attacker-controlled, so they are only ever JSON-encoded, never interpreted.
package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

const (
	c2Rule     = "Outbound Connection to C2 Servers"
	falcoNA    = "<NA>"
	falcoTimeL = "2006-01-02T15:04:05.000000000Z"
)

var c2Tags = []string{"TA0011", "container", "host", "maturity_deprecated", "mitre_command_and_control", "network"}

// alertInput is one observed connection with what is known about its pod and process.
type alertInput struct {
	TsNs     int64
	Hostname string
	Proto    string
	Src, Dst netip.AddrPort
	Domain   string    // fd.sip.name
	Pod      *podRef   // nil: unknown (only with --no-api)
	Proc     *procInfo // nil: the socket's owner was not found
}

// falcoTime formats Unix nanoseconds as Falco's `time` (UTC, nine fractional digits).
func falcoTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format(falcoTimeL)
}

// splitImage splits "repo[:port]/name:tag" into repository and tag, as falcoLog.ts does.
func splitImage(image string) (string, string) {
	at := strings.LastIndexByte(image, ':')
	if at > strings.LastIndexByte(image, '/') {
		return image[:at], image[at+1:]
	}
	return image, "latest"
}

// buildAlert returns the alert as one JSON line ending in "\n".
func buildAlert(in alertInput) ([]byte, error) {
	tm := falcoTime(in.TsNs)
	fdType := "ipv4"
	if !in.Dst.Addr().Is4() {
		fdType = "ipv6"
	}
	lip, rip := in.Src.Addr().String(), in.Dst.Addr().String()
	lport, rport := int(in.Src.Port()), int(in.Dst.Port())
	fdName := lip + ":" + strconv.Itoa(lport) + "->" + rip + ":" + strconv.Itoa(rport) // as falcoLog.ts (and Falco) print it

	// Pod side: unknown without the API.
	var cid, repo, tag, cname, ns, pod any
	if in.Pod != nil {
		cgroup := ""
		if in.Proc != nil {
			cgroup = in.Proc.Cgroup
		}
		c := in.Pod.container(cgroup)
		id := c.ID
		if len(id) > 12 {
			id = id[:12]
		}
		r, t := splitImage(c.Image)
		cid, repo, tag, cname, ns, pod = id, r, t, c.Name, in.Pod.Namespace, in.Pod.Name
	}
	// Process side: null where /proc did not tell.
	p := in.Proc
	if p == nil {
		p = &procInfo{}
	}
	f := map[string]any{
		"container.id": cid, "container.image.repository": repo, "container.image.tag": tag, "container.name": cname,
		"evt.time": in.TsNs, "evt.type": "connect",
		"fd.cip": lip, "fd.cport": lport, "fd.l4proto": in.Proto, "fd.lport": lport, "fd.name": fdName, "fd.rport": rport,
		"fd.sip": rip, "fd.sip.name": in.Domain, "fd.sport": rport, "fd.type": fdType,
		"k8s.ns.name": ns, "k8s.pod.name": pod,
		"proc.cmdline": val(p.Cmdline), "proc.exepath": val(p.ExePath), "proc.name": val(p.Name), "proc.pname": val(p.PName),
		"proc.tty": val(p.TTY), "user.loginuid": val(p.LoginUID), "user.name": val(p.UserName), "user.uid": val(p.UID),
	}
	var o strings.Builder
	o.WriteString(tm[11:29])
	o.WriteString(": Warning Outbound connection to C2 server (c2_domain=" + in.Domain + " c2_addr=" + rip +
		" connection=" + fdName + " lport=" + strconv.Itoa(lport) + " rport=" + strconv.Itoa(rport) +
		" fd_type=" + fdType + " fd_proto=fd.l4proto evt_type=connect")
	for _, kv := range []struct {
		k string
		v any
	}{
		{"user", f["user.name"]}, {"user_uid", f["user.uid"]}, {"user_loginuid", f["user.loginuid"]},
		{"process", f["proc.name"]}, {"proc_exepath", f["proc.exepath"]}, {"parent", f["proc.pname"]},
		{"command", f["proc.cmdline"]}, {"terminal", f["proc.tty"]},
		{"container_id", cid}, {"container_image", repo}, {"container_image_tag", tag}, {"container_name", cname},
		{"k8s_ns", ns}, {"k8s_pod_name", pod},
	} {
		o.WriteString(" " + kv.k + "=" + text(kv.v))
	}
	o.WriteString(")")

	top := map[string]any{
		"hostname": in.Hostname, "output": o.String(), "output_fields": f, "priority": "Warning",
		"rule": c2Rule, "source": "syscall", "tags": c2Tags, "time": tm,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil { // Encode ends the line with "\n"
		return nil, err
	}
	return buf.Bytes(), nil
}

// val turns a nil pointer into an untyped nil (JSON null) and a pointer into its value.
func val[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// text prints a field value as Falco's output does: <NA> when missing.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return falcoNA
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
