// Tests of the /proc side: the /proc/net/tcp address decoder (on lines captured in a lab
// network namespace), the stat parser, a search through a fake /proc tree, and one through
// the real /proc for a connection this test makes itself.
package main

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Real /proc/net/tcp and tcp6 lines (pod 10.244.0.12 / fd00:244::12 -> c2 203.0.113.66 / fd00:113::66 port 4444).
const (
	tcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	tcpLine   = "   2: 0C00F40A:868A 427100CB:115C 01 00000000:00000000 00:00000000 00000000     0        0 68277 1 00000000f41a94ae 20 0 0 11 -1                     \n"
	tcpTWLine = "   3: 0C00F40A:AA0C 427100CB:115C 06 00000000:00000000 03:00000732 00000000     0        0 0 3 000000005131f482                                      \n"
	tcp6Line  = "   0: 440200FD000000000000000012000000:9530 130100FD000000000000000066000000:115C 01 00000000:00000000 00:00000000 00000000     0        0 67429 1 00000000a21e7c98 20 0 0 11 -1\n"
)

func TestDecodeProcNetAddr(t *testing.T) {
	// These expectations hold on little-endian hosts (amd64, arm64), where the lines were taken.
	for in, want := range map[string]string{
		"0C00F40A:868A":                         "10.244.0.12:34442",
		"427100CB:115C":                         "203.0.113.66:4444",
		"0100007F:0277":                         "127.0.0.1:631",
		"00000000:0000":                         "0.0.0.0:0",
		"440200FD000000000000000012000000:9530": "[fd00:244::12]:38192",
		"130100FD000000000000000066000000:115C": "[fd00:113::66]:4444",
		"0000000000000000FFFF00000C00F40A:868A": "10.244.0.12:34442", // IPv4-mapped, as a dual-stack socket shows it
		"00000000000000000000000001000000:0016": "[::1]:22",
	} {
		got, err := decodeProcNetAddr(in)
		if err != nil || got != netip.MustParseAddrPort(want) {
			t.Errorf("decodeProcNetAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0C00F40A", "0C00F40A:", "0C00F40A:868", "0C00F40A:868AA", "0C00F40G:868A",
		"0C00F40A0:868A", "0C00F40A:XYZW", ":868A", "440200FD00000000000000001200000:9530"} {
		if got, err := decodeProcNetAddr(bad); err == nil {
			t.Errorf("decodeProcNetAddr(%q) = %v, want an error", bad, got)
		}
	}
}

func TestScanTCPTable(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/tcp", tcpHeader+"garbage line\n"+tcpTWLine+tcpLine)
	writeFile(t, dir+"/tcp6", tcpHeader+tcp6Line)
	c2 := netip.MustParseAddrPort("203.0.113.66:4444")
	if ino, err := scanTCPTable(dir+"/tcp", netip.MustParseAddrPort("10.244.0.12:34442"), c2); ino != 68277 || err != nil {
		t.Errorf("tcp: %d %v", ino, err)
	}
	// TIME_WAIT (inode 0) is owned by no process.
	if ino, _ := scanTCPTable(dir+"/tcp", netip.MustParseAddrPort("10.244.0.12:43532"), c2); ino != 0 {
		t.Errorf("time-wait: %d", ino)
	}
	if ino, err := scanTCPTable(dir+"/tcp6", netip.MustParseAddrPort("[fd00:244::12]:38192"), netip.MustParseAddrPort("[fd00:113::66]:4444")); ino != 67429 || err != nil {
		t.Errorf("tcp6: %d %v", ino, err)
	}
}

func TestParseStat(t *testing.T) {
	ppid, tty, ok := parseStat("4242 (we) (ird) name) S 17 4242 4242 34816 4242 4194560 120 0 0 0\n")
	if !ok || ppid != 17 || tty != 34816 {
		t.Errorf("got %d %d %v", ppid, tty, ok)
	}
	if _, _, ok := parseStat("4242 no-parens S 1 2 3 4"); ok {
		t.Error("no parentheses: want !ok")
	}
}

// A fake /proc: pid 1 in the host namespace, pid 42 (a pod's curl) holding the socket.
func TestFindSocketOwnerFakeProc(t *testing.T) {
	root := t.TempDir()
	sym := func(target, link string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	sym("net:[4026531840]", root+"/1/ns/net")
	writeFile(t, root+"/1/net/tcp", tcpHeader)
	writeFile(t, root+"/1/net/tcp6", tcpHeader)
	writeFile(t, root+"/1/comm", "containerd-shim\n")
	sym("net:[4026532999]", root+"/42/ns/net")
	writeFile(t, root+"/42/net/tcp", tcpHeader+tcpLine)
	writeFile(t, root+"/42/net/tcp6", tcpHeader)
	sym("/dev/null", root+"/42/fd/0")
	sym("socket:[68277]", root+"/42/fd/3")
	sym("/usr/bin/curl", root+"/42/exe")
	writeFile(t, root+"/42/comm", "curl\n")
	writeFile(t, root+"/42/cmdline", "curl\x00-s\x00http://updates.cdn-telemetry.xyz:4444/\x00")
	writeFile(t, root+"/42/stat", "42 (curl) S 1 42 42 0 -1 4194560 120 0 0 0\n")
	writeFile(t, root+"/42/status", "Name:\tcurl\nUid:\t1000\t65534\t65534\t65534\nGid:\t0\t0\t0\t0\n")
	writeFile(t, root+"/42/loginuid", "4294967295")
	writeFile(t, root+"/42/root/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
	writeFile(t, root+"/42/cgroup", "0::/kubepods/besteffort/podabc/3f2a9c1b7e4d\n")

	p, err := findSocketOwner(root, netip.MustParseAddrPort("10.244.0.12:34442"), netip.MustParseAddrPort("203.0.113.66:4444"), time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid != 42 || *p.Name != "curl" || *p.ExePath != "/usr/bin/curl" || *p.Cmdline != "curl -s http://updates.cdn-telemetry.xyz:4444/" ||
		*p.PName != "containerd-shim" || *p.UID != 65534 || *p.UserName != "nobody" || *p.LoginUID != -1 || *p.TTY != 0 {
		t.Errorf("got pid %d name %q exe %q cmd %q pname %q uid %d user %q loginuid %d tty %d", p.Pid, *p.Name, *p.ExePath,
			*p.Cmdline, *p.PName, *p.UID, *p.UserName, *p.LoginUID, *p.TTY)
	}
	if _, err := findSocketOwner(root, netip.MustParseAddrPort("10.244.0.12:1"), netip.MustParseAddrPort("203.0.113.66:4444"), time.Now().Add(time.Second)); err == nil {
		t.Error("unknown connection: want an error")
	}
	if _, err := findSocketOwner(root, netip.MustParseAddrPort("10.244.0.12:34442"), netip.MustParseAddrPort("203.0.113.66:4444"), time.Now().Add(-time.Second)); err != errBudget {
		t.Errorf("spent budget: got %v", err)
	}
}

// A symlinked etc/passwd in a container root is not followed (it would resolve on the node).
func TestPasswdNameNoSymlink(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/real/passwd", "alice:x:1000:1000::/:/bin/sh\n")
	if err := os.MkdirAll(dir+"/root/etc", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir+"/real/passwd", dir+"/root/etc/passwd"); err != nil {
		t.Fatal(err)
	}
	if name, ok := passwdName(dir+"/root/etc/passwd", 1000); ok {
		t.Errorf("followed a symlink: %q", name)
	}
	if name, ok := passwdName(dir+"/real/passwd", 1000); !ok || name != "alice" {
		t.Errorf("plain file: %q %v", name, ok)
	}
}

// The real /proc: this test's own connection over loopback is found, with this process's pid.
func TestFindSocketOwnerRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("no /proc/self/net/tcp")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			time.Sleep(3 * time.Second)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := c.LocalAddr().(*net.TCPAddr).AddrPort()
	dst := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	p, err := findSocketOwner("/proc", netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port()), time.Now().Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid != os.Getpid() || p.ExePath == nil || p.Name == nil || p.UID == nil || *p.UID != int64(os.Geteuid()) {
		t.Errorf("got pid %d (want %d), exe %v, name %v, uid %v", p.Pid, os.Getpid(), p.ExePath, p.Name, p.UID)
	}
}
