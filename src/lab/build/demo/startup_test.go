// Tests of the startup text: the same lines as falcoStartupLines in src/lab/falcoLog.ts
// (reference produced with node --import tsx for 2026-12-11 08:16:00 UTC, hostname
// "falcoshark-lab"), with the node's own kernel line, and asctime's space-padded day.
package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const startupTS = `["Fri Dec 11 08:16:00 2026: Falco version: 0.40.0 (x86_64)","Fri Dec 11 08:16:00 2026: Falco initialized with configuration files:","Fri Dec 11 08:16:00 2026:    /etc/falco/falco.yaml | schema validation: ok","Fri Dec 11 08:16:00 2026: System info: Linux version 6.8.0-lab (buildd@lab) (gcc (Ubuntu 13.2.0) 13.2.0) #1 SMP PREEMPT_DYNAMIC","Fri Dec 11 08:16:00 2026: Loading rules from:","Fri Dec 11 08:16:00 2026:    /etc/falco/falco_rules.yaml | schema validation: ok","Fri Dec 11 08:16:00 2026:    /etc/falco/falco-deprecated_rules.yaml | schema validation: ok","Fri Dec 11 08:16:00 2026: Hostname value has been overridden via environment variable to: falcoshark-lab","Fri Dec 11 08:16:00 2026: The chosen syscall buffer dimension is: 8388608 bytes (8 MBs)","Fri Dec 11 08:16:00 2026: Starting health webserver with threadiness 2, listening on 0.0.0.0:8765","Fri Dec 11 08:16:00 2026: Loaded event sources: syscall","Fri Dec 11 08:16:00 2026: Enabled event sources: syscall","Fri Dec 11 08:16:00 2026: Opening 'syscall' source with modern BPF probe.","Fri Dec 11 08:16:00 2026: One ring buffer every '2' CPUs."]`

func TestStartupLinesMatchTypeScript(t *testing.T) {
	var want []string
	if err := json.Unmarshal([]byte(startupTS), &want); err != nil {
		t.Fatal(err)
	}
	sys := "Linux version 6.18.44-fc-v857 (builder@sandboxing) (gcc (GCC) 15.3.0) #1 SMP PREEMPT_DYNAMIC @0"
	got := falcoStartupLines("falcoshark-lab", sys, time.Date(2026, 12, 11, 8, 16, 0, 0, time.UTC))
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		w := want[i]
		if strings.Contains(w, "System info: ") { // the one line that carries the node's real kernel
			w = w[:strings.Index(w, "System info: ")] + "System info: " + sys
		}
		if got[i] != w {
			t.Errorf("line %d:\n got %q\nwant %q", i, got[i], w)
		}
	}
}

func TestStartupPrefixPadsDayWithSpace(t *testing.T) {
	// asctime(), which Falco's logger uses: "Tue Dec  1 ..." (falcoLog.ts prints "Tue Dec 01").
	got := falcoStartupLines("node-1", "x", time.Date(2026, 12, 1, 8, 16, 0, 0, time.UTC))
	if want := "Tue Dec  1 08:16:00 2026: Falco version: 0.40.0 (x86_64)"; got[0] != want {
		t.Errorf("got %q, want %q", got[0], want)
	}
	if want := "Tue Dec  1 08:16:00 2026: Hostname value has been overridden via environment variable to: node-1"; got[7] != want {
		t.Errorf("got %q, want %q", got[7], want)
	}
	// Local time zones do not leak in: the prefix is UTC.
	loc := time.FixedZone("X", 5*3600)
	if p := falcoPrefix(time.Date(2026, 12, 1, 23, 0, 0, 0, loc)); p != "Tue Dec  1 18:00:00 2026: " {
		t.Errorf("prefix %q", p)
	}
}

func TestStandInNotice(t *testing.T) {
	want := `falcoshark lab stand-in: this is NOT Falco. Falco cannot be built on this machine, so this pod emits Falco 0.40's JSON alerts for TCP connections it really observes in the node's conntrack table (rule "Outbound Connection to C2 Servers").`
	if standInNotice != want {
		t.Errorf("notice changed: %q", standInNotice)
	}
}

func TestSystemInfo(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/version", "Linux version 6.8.0-lab (b@l) (gcc 13) #1 SMP PREEMPT_DYNAMIC\n")
	if got := systemInfo(dir); got != "Linux version 6.8.0-lab (b@l) (gcc 13) #1 SMP PREEMPT_DYNAMIC" {
		t.Errorf("from version file: %q", got)
	}
	// Without a version file: uname(2).
	if got := systemInfo(dir + "/missing"); !strings.HasPrefix(got, "Linux version ") {
		t.Errorf("from uname: %q", got)
	}
}
