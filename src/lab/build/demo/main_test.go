// Tests of the shared line reader and of the demo db's answers.
package main

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("PING\r\n"+strings.Repeat("a", 4096)+"\n"+strings.Repeat("b", 4097)+"\nend"), 16)
	for _, want := range []string{"PING", strings.Repeat("a", 4096)} {
		if got, err := readLine(br, 4096); err != nil || got != want {
			t.Fatalf("got %q, %v; want %d bytes", clip(got, 20), err, len(want))
		}
	}
	if _, err := readLine(br, 4096); !errors.Is(err, errLineTooLong) {
		t.Fatalf("over-long line: %v", err)
	}
	if got, err := readLine(br, 4096); err != nil || got != "end" {
		t.Fatalf("last line: %q, %v", got, err)
	}
	if _, err := readLine(br, 4096); err == nil {
		t.Fatal("at EOF: want an error")
	}
}

func TestDBAnswerAndRows(t *testing.T) {
	for req, want := range map[string]string{"PING": "PONG", "select id, name from items": "ROW id=1 name=widget", "GET items": "ROW id=1 name=widget", "DROP TABLE": "ERR unknown request", "": "ERR unknown request"} {
		if got := dbAnswer(req); got != want {
			t.Errorf("dbAnswer(%q) = %q, want %q", req, got, want)
		}
	}
	if it := parseRows("ROW id=1 name=widget"); len(it) != 1 || it[0] != (item{1, "widget"}) {
		t.Errorf("parseRows: %+v", it)
	}
	if it := parseRows("ERR x"); it == nil || len(it) != 0 {
		t.Errorf("parseRows(ERR): %+v", it)
	}
}
