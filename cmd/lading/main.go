// Command lading scans container images and root filesystems for the
// packages they hold and the known vulnerabilities that affect them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/lading-dev/lading/internal/cli"
)

func main() {
	// A reader that goes away (lading image ... | head) must not kill the
	// process before it removes its scratch files: with SIGPIPE caught, the
	// write fails with EPIPE and the deferred clean-up runs.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
