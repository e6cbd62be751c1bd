package pipeline

import (
	"sync"
	"sync/atomic"
	"time"
)

// pool runs the items of claimed batches on a number of goroutines that
// follows the shared budget, AIMD style: it starts at min(cap, 2), grows by
// one after a call that waited next to nothing for the budget (under a tenth
// of its Bedrock time), and halves after a call that waited more than half
// its Bedrock time (at most once per limit's worth of calls). It never goes
// above cap. pool is safe for concurrent use.
type pool struct {
	cap    int
	jobs   chan func()
	ready  chan struct{} // signalled when a job starts
	queued atomic.Int64
	wg     sync.WaitGroup

	mu        sync.Mutex
	cond      *sync.Cond
	limit     int
	active    int
	sinceDrop int
	peak      int
}

// newPool starts cap goroutines; queue is the capacity of the job queue.
func newPool(cap, queue int) *pool {
	p := &pool{cap: cap, limit: min(cap, 2), jobs: make(chan func(), queue), ready: make(chan struct{}, 1)}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(cap)
	for range cap {
		go p.worker()
	}
	return p
}

func (p *pool) worker() {
	defer p.wg.Done()
	for job := range p.jobs {
		p.acquire()
		p.queued.Add(-1)
		select {
		case p.ready <- struct{}{}:
		default:
		}
		job()
		p.release()
	}
}

// submit queues a job; it blocks only when the queue is full.
func (p *pool) submit(job func()) {
	p.queued.Add(1)
	p.jobs <- job
}

// hungry reports whether fewer jobs wait than the pool may run at once:
// time to claim another batch.
func (p *pool) hungry() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queued.Load() < int64(p.limit)
}

// close stops taking jobs and waits until the queued ones ran.
func (p *pool) close() {
	close(p.jobs)
	p.wg.Wait()
}

func (p *pool) acquire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.active >= p.limit {
		p.cond.Wait()
	}
	p.active++
	p.peak = max(p.peak, p.active)
}

func (p *pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active--
	p.cond.Broadcast()
}

// observe adapts the limit to one call's budget wait and Bedrock time.
func (p *pool) observe(wait, bedrock time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sinceDrop++
	switch {
	case wait*10 <= bedrock && p.limit < p.cap:
		p.limit++
		p.cond.Broadcast()
	case wait*2 > bedrock && p.limit > 1 && p.sinceDrop >= p.limit:
		p.limit = max(1, p.limit/2)
		p.sinceDrop = 0
	}
}

// size returns the current limit and the most goroutines ever busy at once.
func (p *pool) size() (limit, peak int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, p.peak
}
