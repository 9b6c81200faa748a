// Tests of the alert JSON: golden lines produced by c2Alert in src/lab/falcoLog.ts for the
// same inputs (node --import tsx, calling c2Alert with a fixed tsNs BigInt), and the shape of
// an alert whose process and pod are unknown.
package main

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

// From falcoLog.ts: c2Alert({proto:'tcp', lip:'10.244.0.12', lport:56116, rip:'203.0.113.66', rport:4444,
// domain:'updates.cdn-telemetry.xyz', exe:'/usr/bin/curl', cmdline:'-s http://x/?a="b"&c=<d>'},
// {hostname:'falcoshark-lab', namespace:'shop', pod:'api-7d4b9c6f5-x2x9q', container:'api',
// containerId:'containerd://3f2a9c1b…', image:'localhost:5000/falcoshark-lab/demo:0.1.0',
// parent:'containerd-shim'}, 1796114830254303000n)
const goldenTS1 = `{"hostname":"falcoshark-lab","output":"08:47:10.254303000: Warning Outbound connection to C2 server (c2_domain=updates.cdn-telemetry.xyz c2_addr=203.0.113.66 connection=10.244.0.12:56116->203.0.113.66:4444 lport=56116 rport=4444 fd_type=ipv4 fd_proto=fd.l4proto evt_type=connect user=root user_uid=0 user_loginuid=-1 process=curl proc_exepath=/usr/bin/curl parent=containerd-shim command=curl -s http://x/?a=\"b\"&c=<d> terminal=0 container_id=3f2a9c1b7e4d container_image=localhost:5000/falcoshark-lab/demo container_image_tag=0.1.0 container_name=api k8s_ns=shop k8s_pod_name=api-7d4b9c6f5-x2x9q)","output_fields":{"container.id":"3f2a9c1b7e4d","container.image.repository":"localhost:5000/falcoshark-lab/demo","container.image.tag":"0.1.0","container.name":"api","evt.time":1796114830254303000,"evt.type":"connect","fd.cip":"10.244.0.12","fd.cport":56116,"fd.l4proto":"tcp","fd.lport":56116,"fd.name":"10.244.0.12:56116->203.0.113.66:4444","fd.rport":4444,"fd.sip":"203.0.113.66","fd.sip.name":"updates.cdn-telemetry.xyz","fd.sport":4444,"fd.type":"ipv4","k8s.ns.name":"shop","k8s.pod.name":"api-7d4b9c6f5-x2x9q","proc.cmdline":"curl -s http://x/?a=\"b\"&c=<d>","proc.exepath":"/usr/bin/curl","proc.name":"curl","proc.pname":"containerd-shim","proc.tty":0,"user.loginuid":-1,"user.name":"root","user.uid":0},"priority":"Warning","rule":"Outbound Connection to C2 Servers","source":"syscall","tags":["TA0011","container","host","maturity_deprecated","mitre_command_and_control","network"],"time":"2026-12-01T08:47:10.254303000Z"}`

// The same with no domain, rip 198.51.100.7, exe /usr/bin/wget, no args, image "busybox",
// tsNs 1796114830000000001n.
const goldenTS2 = `{"hostname":"falcoshark-lab","output":"08:47:10.000000001: Warning Outbound connection to C2 server (c2_domain= c2_addr=198.51.100.7 connection=10.244.0.12:56116->198.51.100.7:4444 lport=56116 rport=4444 fd_type=ipv4 fd_proto=fd.l4proto evt_type=connect user=root user_uid=0 user_loginuid=-1 process=wget proc_exepath=/usr/bin/wget parent=containerd-shim command=wget terminal=0 container_id=3f2a9c1b7e4d container_image=busybox container_image_tag=latest container_name=api k8s_ns=shop k8s_pod_name=api-7d4b9c6f5-x2x9q)","output_fields":{"container.id":"3f2a9c1b7e4d","container.image.repository":"busybox","container.image.tag":"latest","container.name":"api","evt.time":1796114830000000001,"evt.type":"connect","fd.cip":"10.244.0.12","fd.cport":56116,"fd.l4proto":"tcp","fd.lport":56116,"fd.name":"10.244.0.12:56116->198.51.100.7:4444","fd.rport":4444,"fd.sip":"198.51.100.7","fd.sip.name":"","fd.sport":4444,"fd.type":"ipv4","k8s.ns.name":"shop","k8s.pod.name":"api-7d4b9c6f5-x2x9q","proc.cmdline":"wget","proc.exepath":"/usr/bin/wget","proc.name":"wget","proc.pname":"containerd-shim","proc.tty":0,"user.loginuid":-1,"user.name":"root","user.uid":0},"priority":"Warning","rule":"Outbound Connection to C2 Servers","source":"syscall","tags":["TA0011","container","host","maturity_deprecated","mitre_command_and_control","network"],"time":"2026-12-01T08:47:10.000000001Z"}`

func goldenPod(image string) *podRef {
	return &podRef{Namespace: "shop", Name: "api-7d4b9c6f5-x2x9q", Containers: []containerRef{
		{Name: "api", ID: "3f2a9c1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b", Image: image},
		{Name: "sidecar", ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Image: "other:1"},
	}}
}

func rootProc(name, exe, cmdline string) *procInfo {
	return &procInfo{Pid: 4242, Name: ptr(name), ExePath: ptr(exe), Cmdline: ptr(cmdline), PName: ptr("containerd-shim"),
		UserName: ptr("root"), UID: ptr(int64(0)), LoginUID: ptr(int64(-1)), TTY: ptr(int64(0))}
}

func TestAlertMatchesTypeScript(t *testing.T) {
	src := netip.MustParseAddrPort("10.244.0.12:56116")
	cases := []struct {
		name, want string
		in         alertInput
	}{
		{"c2 domain, quotes and <>&", goldenTS1, alertInput{
			TsNs: 1796114830254303000, Hostname: "falcoshark-lab", Proto: "tcp", Src: src,
			Dst: netip.MustParseAddrPort("203.0.113.66:4444"), Domain: "updates.cdn-telemetry.xyz",
			Pod:  goldenPod("localhost:5000/falcoshark-lab/demo:0.1.0"),
			Proc: rootProc("curl", "/usr/bin/curl", `curl -s http://x/?a="b"&c=<d>`),
		}},
		{"no domain, image without tag, 1 ns", goldenTS2, alertInput{
			TsNs: 1796114830000000001, Hostname: "falcoshark-lab", Proto: "tcp", Src: src,
			Dst: netip.MustParseAddrPort("198.51.100.7:4444"), Domain: "",
			Pod: goldenPod("busybox"), Proc: rootProc("wget", "/usr/bin/wget", "wget"),
		}},
	}
	for _, c := range cases {
		got, err := buildAlert(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasSuffix(string(got), "\n") || strings.Count(string(got), "\n") != 1 {
			t.Errorf("%s: want exactly one line ending in \\n", c.name)
		}
		if s := strings.TrimSuffix(string(got), "\n"); s != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, s, c.want)
		}
	}
}

func TestAlertContainerFromCgroup(t *testing.T) {
	p := rootProc("curl", "/usr/bin/curl", "curl")
	p.Cgroup = "0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n"
	got, err := buildAlert(alertInput{TsNs: 1, Hostname: "n", Proto: "tcp", Src: netip.MustParseAddrPort("10.244.0.12:1"),
		Dst: netip.MustParseAddrPort("203.0.113.66:4444"), Pod: goldenPod("x:1"), Proc: p})
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		F map[string]any `json:"output_fields"`
	}
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatal(err)
	}
	if a.F["container.name"] != "sidecar" || a.F["container.id"] != "0123456789ab" || a.F["container.image.tag"] != "1" {
		t.Errorf("container from cgroup: got %v %v %v", a.F["container.name"], a.F["container.id"], a.F["container.image.tag"])
	}
}

func TestAlertUnknownProcessAndPod(t *testing.T) {
	got, err := buildAlert(alertInput{TsNs: 1796115683825275000, Hostname: "node-1", Proto: "tcp",
		Src: netip.MustParseAddrPort("10.244.0.12:43152"), Dst: netip.MustParseAddrPort("203.0.113.66:4446")})
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	var a map[string]any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatal(err)
	}
	f := a["output_fields"].(map[string]any)
	if len(f) != 26 || len(a) != 8 {
		t.Errorf("key counts: %d output_fields, %d top-level", len(f), len(a))
	}
	for _, k := range []string{"proc.name", "proc.exepath", "proc.cmdline", "proc.pname", "user.name", "user.uid",
		"user.loginuid", "proc.tty", "container.id", "container.name", "k8s.ns.name", "k8s.pod.name"} {
		if v, ok := f[k]; !ok || v != nil {
			t.Errorf("%s: want null, got %v (present %v)", k, v, ok)
		}
	}
	for _, want := range []string{`"evt.time":1796115683825275000,`, `"time":"2026-12-01T09:01:23.825275000Z"`,
		`"output":"09:01:23.825275000: Warning Outbound connection to C2 server (c2_domain= c2_addr=203.0.113.66 connection=10.244.0.12:43152->203.0.113.66:4446 lport=43152 rport=4446 fd_type=ipv4 fd_proto=fd.l4proto evt_type=connect user=<NA> user_uid=<NA> user_loginuid=<NA> process=<NA> proc_exepath=<NA> parent=<NA> command=<NA> terminal=<NA> container_id=<NA> container_image=<NA> container_image_tag=<NA> container_name=<NA> k8s_ns=<NA> k8s_pod_name=<NA>)"`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	if strings.Contains(s, `\u003c`) || strings.Contains(s, `\u003e`) {
		t.Errorf("HTML escaping in %s", s)
	}
}

func TestAlertIPv6AndControlCharacters(t *testing.T) {
	p := rootProc("sh", "/bin/sh", "sh -c \"x\"\n\t\x01")
	got, err := buildAlert(alertInput{TsNs: 1, Hostname: "n", Proto: "tcp", Src: netip.MustParseAddrPort("[fd00:244::12]:38192"),
		Dst: netip.MustParseAddrPort("[fd00:113::66]:4444"), Proc: p})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(got), "\n") != 1 {
		t.Fatalf("not one line: %q", got)
	}
	var a struct {
		F map[string]any `json:"output_fields"`
	}
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatal(err)
	}
	if a.F["fd.type"] != "ipv6" || a.F["fd.name"] != "fd00:244::12:38192->fd00:113::66:4444" || a.F["proc.cmdline"] != *p.Cmdline {
		t.Errorf("got %v %v %q", a.F["fd.type"], a.F["fd.name"], a.F["proc.cmdline"])
	}
}

func TestSplitImage(t *testing.T) {
	for in, want := range map[string][2]string{
		"busybox": {"busybox", "latest"}, "busybox:1.36": {"busybox", "1.36"},
		"localhost:5000/a/b": {"localhost:5000/a/b", "latest"}, "localhost:5000/a/b:v1": {"localhost:5000/a/b", "v1"},
		"registry.k8s.io/pause:3.10@sha256": {"registry.k8s.io/pause", "3.10@sha256"}, // as falcoLog.ts splits it
	} {
		if r, tag := splitImage(in); r != want[0] || tag != want[1] {
			t.Errorf("splitImage(%q) = %q, %q; want %q", in, r, tag, want)
		}
	}
}
