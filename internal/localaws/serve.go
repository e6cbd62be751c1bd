package localaws

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// ShutdownGrace is how long Serve lets requests in flight finish once it
// stops.
const ShutdownGrace = 5 * time.Second

// Serve serves h on ln until ctx ends or the process gets SIGINT or
// SIGTERM, then shuts down, letting requests in flight finish for
// ShutdownGrace at most (a request still running then is cut: the server
// is stopping, that is not its error). It returns the error that stopped
// serving, if any other than the shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	if err := hs.Shutdown(grace); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
