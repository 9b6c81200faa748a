// procscan: finds the process behind a TCP connection through the node's /proc (the falco
// pod has hostPID), for the alert's proc.* and user.* fields. Best effort, time-bounded:
//
//  1. group the pids by network namespace (/proc/<pid>/ns/net);
//  2. per namespace, read /proc/<pid>/net/tcp and tcp6 of one member and look for the socket
//     whose local address is the connection's source and remote address its destination;
//  3. find a pid of that namespace with an fd linking to socket:[inode];
//  4. read its comm, exe, cmdline, stat (ppid, tty), status (uid), loginuid, and the user
//     name from the process's own root (/proc/<pid>/root/etc/passwd), as Falco does.
//
// Whatever cannot be read stays unknown (nil -> JSON null); nothing is made up.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// procInfo is what /proc told about the socket's owner; nil fields are unknown.
type procInfo struct {
	Pid      int
	Name     *string // comm (Falco's proc.name)
	ExePath  *string
	Cmdline  *string // proc.name and the arguments, as Falco's proc.cmdline
	PName    *string // parent's comm
	UserName *string
	UID      *int64 // effective uid
	LoginUID *int64 // -1 when unset
	TTY      *int64 // tty_nr from stat
	Cgroup   string // /proc/<pid>/cgroup, to tell which container of the pod it is
}

var errBudget = errors.New("time budget spent")

// findSocketOwner looks for the process owning the TCP socket src->dst before deadline.
func findSocketOwner(procRoot string, src, dst netip.AddrPort, deadline time.Time) (*procInfo, error) {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(ents))
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	hostNS, _ := os.Readlink(filepath.Join(procRoot, "1", "ns", "net"))
	groups := map[string][]int{}
	var order []string
	for _, pid := range pids {
		if time.Now().After(deadline) {
			return nil, errBudget
		}
		ns, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "ns", "net"))
		if err != nil {
			continue
		}
		if _, seen := groups[ns]; !seen {
			order = append(order, ns)
		}
		groups[ns] = append(groups[ns], pid)
	}
	// Pods have namespaces of their own: look there before the host's.
	sort.SliceStable(order, func(i, j int) bool { return order[i] != hostNS && order[j] == hostNS })
	for _, ns := range order {
		inode := socketInode(procRoot, groups[ns], src, dst, deadline)
		if inode == 0 {
			continue
		}
		link := "socket:[" + strconv.FormatUint(inode, 10) + "]"
		for _, pid := range groups[ns] {
			if time.Now().After(deadline) {
				return nil, errBudget
			}
			if pidHasLink(procRoot, pid, link, deadline) {
				return readProcInfo(procRoot, pid), nil
			}
		}
	}
	if time.Now().After(deadline) {
		return nil, errBudget
	}
	return nil, errors.New("no socket found")
}

// socketInode reads the tcp tables of one network namespace (through the first member pid
// whose tables can be read) and returns the inode of the socket src->dst, or 0.
func socketInode(procRoot string, members []int, src, dst netip.AddrPort, deadline time.Time) uint64 {
	for i, pid := range members {
		if i >= 3 || time.Now().After(deadline) {
			return 0
		}
		base := filepath.Join(procRoot, strconv.Itoa(pid), "net")
		inode, err4 := scanTCPTable(filepath.Join(base, "tcp"), src, dst)
		if inode != 0 {
			return inode
		}
		inode, err6 := scanTCPTable(filepath.Join(base, "tcp6"), src, dst)
		if inode != 0 {
			return inode
		}
		if err4 == nil || err6 == nil {
			return 0 // tables read: not in this namespace
		}
	}
	return 0
}

// scanTCPTable returns the inode of the socket local=src remote=dst in one /proc/net/tcp{,6}.
func scanTCPTable(path string, src, dst netip.AddrPort) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 64<<20))
	sc.Buffer(make([]byte, 4096), 4096)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 || !strings.HasSuffix(fl[0], ":") {
			continue // header or malformed
		}
		l, err1 := decodeProcNetAddr(fl[1])
		r, err2 := decodeProcNetAddr(fl[2])
		if err1 != nil || err2 != nil || l != src || r != dst {
			continue
		}
		if inode, err := strconv.ParseUint(fl[9], 10, 64); err == nil && inode != 0 {
			return inode, nil // inode 0: TIME_WAIT and the like, owned by no process
		}
	}
	return 0, sc.Err()
}

// decodeProcNetAddr decodes an address as Linux prints it in /proc/net/tcp ("0C00F40A:8784":
// the IPv4 address's bytes as one native-endian %08X word, then the port as %04X) or in
// /proc/net/tcp6 (four such words). IPv4-mapped IPv6 addresses come back as IPv4.
func decodeProcNetAddr(s string) (netip.AddrPort, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok || len(hexPort) != 4 || (len(hexIP) != 8 && len(hexIP) != 32) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", clip(s, 50))
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", clip(s, 50))
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q", clip(s, 50))
	}
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 { // each word was printed as a native-endian uint32
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
}

// pidHasLink reports whether one of pid's fds links to link (e.g. "socket:[12345]").
func pidHasLink(procRoot string, pid int, link string, deadline time.Time) bool {
	dir := filepath.Join(procRoot, strconv.Itoa(pid), "fd")
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(256)
		for _, n := range names {
			if l, err := os.Readlink(filepath.Join(dir, n)); err == nil && l == link {
				return true
			}
		}
		if err != nil || time.Now().After(deadline) {
			return false
		}
	}
}

// readProcInfo reads what Falco shows of a process; unreadable parts stay nil.
func readProcInfo(procRoot string, pid int) *procInfo {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	pi := &procInfo{Pid: pid}
	if b, err := readFileLimit(filepath.Join(dir, "comm"), 256); err == nil {
		pi.Name = ptr(strings.TrimSuffix(string(b), "\n"))
	}
	if exe, err := os.Readlink(filepath.Join(dir, "exe")); err == nil {
		pi.ExePath = ptr(exe)
	}
	if b, err := readFileLimit(filepath.Join(dir, "cmdline"), 16<<10); err == nil && pi.Name != nil {
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		cmd := *pi.Name
		if len(args) > 1 {
			cmd += " " + strings.Join(args[1:], " ")
		}
		pi.Cmdline = ptr(strings.TrimSpace(cmd))
	}
	if b, err := readFileLimit(filepath.Join(dir, "stat"), 4096); err == nil {
		if ppid, tty, ok := parseStat(string(b)); ok {
			pi.TTY = ptr(tty)
			if c, err := readFileLimit(filepath.Join(procRoot, strconv.FormatInt(ppid, 10), "comm"), 256); err == nil && ppid > 0 {
				pi.PName = ptr(strings.TrimSuffix(string(c), "\n"))
			}
		}
	}
	if b, err := readFileLimit(filepath.Join(dir, "status"), 64<<10); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "Uid:" {
				if uid, err := strconv.ParseInt(f[2], 10, 64); err == nil {
					pi.UID = ptr(uid)
				}
			}
		}
	}
	if b, err := readFileLimit(filepath.Join(dir, "loginuid"), 64); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32); err == nil {
			pi.LoginUID = ptr(int64(int32(uint32(v)))) // 4294967295 (unset) -> -1, as Falco shows it
		}
	}
	if pi.UID != nil {
		if name, ok := passwdName(filepath.Join(dir, "root", "etc", "passwd"), *pi.UID); ok {
			pi.UserName = ptr(name)
		} else if *pi.UID == 0 {
			pi.UserName = ptr("root") // uid 0 is root even in an image without /etc/passwd
		}
	}
	if b, err := readFileLimit(filepath.Join(dir, "cgroup"), 64<<10); err == nil {
		pi.Cgroup = string(b)
	}
	return pi
}

// parseStat returns ppid (field 4) and tty_nr (field 7) of a /proc/<pid>/stat line.
func parseStat(s string) (ppid, tty int64, ok bool) {
	i := strings.LastIndexByte(s, ')') // comm may hold spaces and parentheses
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp session tty_nr ...
	if len(f) < 5 {
		return 0, 0, false
	}
	p, err1 := strconv.ParseInt(f[1], 10, 64)
	t, err2 := strconv.ParseInt(f[4], 10, 64)
	return p, t, err1 == nil && err2 == nil
}

// passwdName looks uid up in a container's passwd file. Symlinks in etc/passwd are not
// followed: through /proc/<pid>/root an absolute link would resolve on the node instead.
func passwdName(path string, uid int64) (string, bool) {
	for _, p := range []string{filepath.Dir(path), path} {
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			return "", false
		}
	}
	b, err := readFileLimit(path, 1<<20)
	if err != nil {
		return "", false
	}
	want := strconv.FormatInt(uid, 10)
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ":")
		if len(f) >= 3 && f[2] == want && f[0] != "" {
			return f[0], true
		}
	}
	return "", false
}

func readFileLimit(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

func ptr[T any](v T) *T { return &v }
