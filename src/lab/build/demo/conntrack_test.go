// Tests of the conntrack event parser, on lines captured from `conntrack -E -e NEW -p tcp
// -o timestamp` (conntrack-tools 1.4.7) in network namespaces on the lab machine, and on
// malformed lines.
package main

import (
	"net/netip"
	"strings"
	"testing"
)

// Real lines (a tab after the timestamp, then four spaces).
const (
	ctLineV4 = "[1796114830.254303]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.12 dst=203.0.113.66 sport=34692 dport=4444 [UNREPLIED] src=203.0.113.66 dst=10.244.0.12 sport=4444 dport=34692"
	ctLineV6 = "[1796115699.838812]\t    [NEW] tcp      6 120 SYN_SENT src=fd00:244::12 dst=fd00:113::66 sport=38192 dport=4444 [UNREPLIED] src=fd00:113::66 dst=fd00:244::12 sport=4444 dport=38192"
)

func TestParseConntrackRealLines(t *testing.T) {
	cases := []struct {
		line     string
		ts       int64
		src, dst string
	}{
		{ctLineV4, 1796114830254303000, "10.244.0.12:34692", "203.0.113.66:4444"},
		{ctLineV6, 1796115699838812000, "[fd00:244::12]:38192", "[fd00:113::66]:4444"},
		// The same with -o extended's family columns, a zone and a mark.
		{"[1796114830.000001]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.0.12 dst=203.0.113.66 sport=1 dport=4444 zone=3 [UNREPLIED] src=203.0.113.66 dst=10.244.0.12 sport=4444 dport=1 mark=0", 1796114830000001000, "10.244.0.12:1", "203.0.113.66:4444"},
		// A NATed pod connection: the original direction is what counts.
		{"[1796114830.5]\t[NEW] tcp 6 120 SYN_SENT src=10.244.0.12 dst=10.96.0.10 sport=5000 dport=53 [UNREPLIED] src=10.244.0.7 dst=10.244.0.12 sport=53 dport=5000", 1796114830500000000, "10.244.0.12:5000", "10.96.0.10:53"},
	}
	for _, c := range cases {
		ev, err := parseConntrackLine(c.line)
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if ev.TsNs != c.ts || ev.Proto != "tcp" || ev.Src != netip.MustParseAddrPort(c.src) || ev.Dst != netip.MustParseAddrPort(c.dst) {
			t.Errorf("%q: got %+v", c.line, ev)
		}
	}
}

func TestParseConntrackMalformed(t *testing.T) {
	for _, line := range []string{
		"",
		"conntrack v1.4.7 (conntrack-tools): 2 flow events have been shown.",
		strings.Replace(ctLineV4, "[1796114830.254303]\t", "", 1),                                             // no timestamp
		strings.Replace(ctLineV4, "[NEW]", "[DESTROY]", 1),                                                    // not NEW
		strings.Replace(ctLineV4, " tcp ", " udp ", 1),                                                        // not tcp
		strings.Replace(ctLineV4, "1796114830.254303", "17961148x0.254303", 1),                                // bad seconds
		strings.Replace(ctLineV4, "1796114830.254303", "1796114830.1234567890", 1),                            // > 9 fractional digits
		strings.Replace(ctLineV4, "1796114830.254303", "999999999999.1", 1),                                   // absurd seconds
		strings.Replace(ctLineV4, "[1796114830.254303]", "[1796114830.254303", 1),                             // unclosed
		strings.Replace(ctLineV4, "dport=4444 [UNREPLIED]", "[UNREPLIED]", 1),                                 // dport only in the reply group
		strings.Replace(ctLineV4, "src=10.244.0.12 dst=203.0.113.66", "src=10.244.0.300 dst=203.0.113.66", 1), // bad ip
		strings.Replace(ctLineV4, "sport=34692 dport=4444 [", "sport=34692 dport=70000 [", 1),                 // port range
		strings.Replace(ctLineV4, "sport=34692 dport=4444 [", "sport=34692 dport=+444 [", 1),                  // sign
		"[1796114830.254303]\t    [NEW]",
		"[1796114830.254303] [NEW] tcp",
	} {
		if ev, err := parseConntrackLine(line); err == nil {
			t.Errorf("%q: parsed as %+v, want an error", line, ev)
		}
	}
}

func TestReadLinesSkipsOverlongLines(t *testing.T) {
	in := ctLineV4 + "\n" + strings.Repeat("x", 3*maxConntrackLine) + "\n" + ctLineV6 + "\n" + "last-without-newline"
	var got []string
	readLines(strings.NewReader(in), func(l string) { got = append(got, l) })
	if len(got) != 3 || got[0] != ctLineV4 || got[1] != ctLineV6 || got[2] != "last-without-newline" {
		t.Errorf("got %d lines: %q", len(got), got)
	}
}
