package main

// flood: a pod sending UDP datagrams as fast as it can for a while — the load that tests the
// flight recorder's bounds (issue 13: "a pod sending as fast as it can for a minute").

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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || *size < 1 || *size > 65000 {
		return fmt.Errorf("--to host:port and --size 1..65000 are required")
	}
	conn, err := net.Dial("udp", *to)
	if err != nil {
		return err
	}
	defer conn.Close()
	payload := make([]byte, *size)
	end := time.Now().Add(*dur)
	var sent, bytes int64
	for time.Now().Before(end) {
		for i := 0; i < 256; i++ {
			// A refused datagram (ICMP port unreachable) comes back as an error on the next write: keep sending.
			if n, err := conn.Write(payload); err == nil {
				sent++
				bytes += int64(n)
			}
		}
	}
	log.Printf("sent %d datagrams (%d bytes) to %s in %s", sent, bytes, *to, *dur)
	// Then stay, so that the pod's log can be read and the pod does not restart.
	for {
		time.Sleep(time.Hour)
	}
}
