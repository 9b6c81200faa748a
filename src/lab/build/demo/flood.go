package main

// flood: a pod sending UDP datagrams as fast as it can for a while — the load that tests the
// flight recorder's bounds (issue 13: "a pod sending as fast as it can for a minute") — or at a
// steady rate (--mbps: the load of bench/recorderCost.ts, which measures the recorder's own cost).

import (
	"flag"
	"fmt"
	"log"
	"net"
	"time"
)

func runFlood(args []string) error {
	fs := flag.NewFlagSet("flood", flag.ContinueOnError)
	to := fs.String("to", "", "host:port to send UDP datagrams to")
	size := fs.Int("size", 1400, "bytes of payload per datagram")
	dur := fs.Duration("for", time.Minute, "how long to send")
	mbps := fs.Float64("mbps", 0, "send at this many Mbit/s, each datagram counted as its Ethernet frame over IPv4 (size + 42 bytes); 0: as fast as it can")
	exit := fs.Bool("exit", false, "exit after sending (default: stay up, so that a pod does not restart)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || *size < 1 || *size > 65000 || *mbps < 0 {
		return fmt.Errorf("--to host:port and --size 1..65000 are required (and --mbps ≥ 0)")
	}
	conn, err := net.Dial("udp", *to)
	if err != nil {
		return err
	}
	defer conn.Close()
	payload := make([]byte, *size)
	start := time.Now()
	end := start.Add(*dur)
	var sent, bytes int64
	write := func() {
		// A refused datagram (ICMP port unreachable) comes back as an error on the next write: keep sending.
		if n, err := conn.Write(payload); err == nil {
			sent++
			bytes += int64(n)
		}
	}
	if *mbps == 0 {
		for time.Now().Before(end) {
			for i := 0; i < 256; i++ {
				write()
			}
		}
	} else {
		// Paced: every millisecond or so, the datagrams due by now. Slots missed by more than 50 ms
		// (the process was not scheduled) are skipped rather than sent in one burst.
		perSec := *mbps * 1e6 / 8 / float64(*size+42)
		var slots, skipped int64
		maxLag := int64(perSec/20) + 1
		for now := time.Now(); now.Before(end); now = time.Now() {
			due := int64(now.Sub(start).Seconds() * perSec)
			if lag := due - slots - maxLag; lag > 0 {
				slots += lag
				skipped += lag
			}
			for ; slots < due; slots++ {
				write()
			}
			time.Sleep(time.Millisecond)
		}
		if skipped > 0 {
			log.Printf("skipped %d datagrams' slots (more than 50 ms behind)", skipped)
		}
	}
	took := time.Since(start)
	log.Printf("sent %d datagrams (%d bytes) to %s in %s (%.1f Mbit/s as Ethernet frames)", sent, bytes, *to, took.Round(time.Millisecond),
		float64(bytes+42*sent)*8/1e6/took.Seconds())
	if *exit {
		return nil
	}
	// Then stay, so that the pod's log can be read and the pod does not restart.
	for {
		time.Sleep(time.Hour)
	}
}
