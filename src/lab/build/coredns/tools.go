//go:build tools

// Package tools names the command the lab builds, so that `go mod tidy` keeps it.
package tools

import _ "github.com/coredns/coredns"
