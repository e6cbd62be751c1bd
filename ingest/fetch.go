package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-retry"
)

// fetcher GETs sources over HTTP: a time limit per attempt, a few retries
// with exponential backoff on network errors, timeouts, 429 and 5xx (this is
// the only layer that retries), conditional GET and a size cap. fetcher is
// safe for concurrent use.
type fetcher struct {
	client   *http.Client
	timeout  time.Duration
	retries  int
	backoff  time.Duration
	maxBytes int64
	agent    string
}

// response is a fetch's outcome: status 200 with a body, or 304.
type response struct {
	status       int
	body         []byte
	etag         string
	lastModified string
}

// get fetches url, conditionally when v carries validators; attempts counts
// the requests sent. A backoff is built for each call: go-retry's keep state.
func (f *fetcher) get(ctx context.Context, url string, v validators, attempts *atomic.Int64) (response, error) {
	b := retry.WithMaxRetries(uint64(f.retries), retry.NewExponential(max(f.backoff, time.Millisecond)))
	return retry.DoValue(ctx, b, func(ctx context.Context) (response, error) {
		attempts.Add(1)
		return f.once(ctx, url, v)
	})
}

func (f *fetcher) once(ctx context.Context, url string, v validators) (response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := f.request(ctx, url, v)
	if err != nil {
		return response{}, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return response{}, retry.RetryableError(fmt.Errorf("ingest: GET %s: %w", url, err))
	}
	defer resp.Body.Close()
	switch s := resp.StatusCode; {
	case s == http.StatusNotModified:
		return response{status: s}, nil
	case s == http.StatusTooManyRequests || s >= 500:
		return response{}, retry.RetryableError(&StatusError{URL: url, Status: s})
	case s/100 != 2:
		return response{}, &StatusError{URL: url, Status: s}
	}
	return f.read(resp, url)
}

func (f *fetcher) request(ctx context.Context, url string, v validators) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("ingest: GET %s: %w", url, err)
	}
	req.Header.Set("User-Agent", f.agent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	return req, nil
}

// read takes at most maxBytes of the body; a larger body is ErrTooLarge and
// is not retried.
func (f *fetcher) read(resp *http.Response, url string) (response, error) {
	if resp.ContentLength > f.maxBytes {
		return response{}, fmt.Errorf("%w: GET %s: %d bytes, more than %d", ErrTooLarge, url, resp.ContentLength, f.maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return response{}, retry.RetryableError(fmt.Errorf("ingest: GET %s: read body: %w", url, err))
	}
	if int64(len(body)) > f.maxBytes {
		return response{}, fmt.Errorf("%w: GET %s: more than %d bytes", ErrTooLarge, url, f.maxBytes)
	}
	return response{status: resp.StatusCode, body: body,
		etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}
