package results

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Consumer reads a result that a PullSink hands over: the columns, then the
// rows from an iterator (pkg/sheets' Writer.Write is one). It must return
// once the iterator is exhausted, after publishing the result; when the
// iterator yields an error it must give up, publish nothing and return.
// A consumer may keep a row only until it asks for the next one.
type Consumer func(ctx context.Context, cols []redash.Column, rows iter.Seq2[[]any, error]) error

// ErrRestart is what a Consumer's iterator yields when the download broke
// off and the pipeline starts the result again with a new consumer run.
var ErrRestart = errors.New("the result download broke off and starts again")

// ErrAborted is what a Consumer's iterator yields when the export failed
// (or was refused) before the end of the rows.
var ErrAborted = errors.New("the export was aborted")

// PullSink adapts a Consumer, which pulls rows, to a Sink, to which the
// pipeline pushes them: Begin runs the consumer in a goroutine, Row hands it
// rows in batches (copies, so the pipeline may reuse its slice), Commit ends
// the iterator and returns the consumer's result, and Abort or a new Begin
// makes the iterator yield ErrAborted or ErrRestart so that the consumer
// leaves its target untouched. At most three batches of rows are held.
type PullSink struct {
	ctx       context.Context
	consume   Consumer
	batchSize int
	att       *pullAttempt
}

// NewPullSink returns a Sink that feeds consume; ctx is passed to it.
func NewPullSink(ctx context.Context, consume Consumer) *PullSink {
	return &PullSink{ctx: ctx, consume: consume, batchSize: 512}
}

type pullBatch struct {
	rows [][]any
	slab []any
}

type pullAttempt struct {
	ncols   int
	batches chan *pullBatch
	free    chan *pullBatch
	abort   chan struct{}
	done    chan struct{}
	stop    error // yielded after abort
	err     error // the consumer's result, read after done
	cur     *pullBatch
	closed  bool
	ended   bool
}

// Begin implements Sink.
func (s *PullSink) Begin(cols []redash.Column) error {
	if s.att != nil {
		s.stop(ErrRestart)
	}
	a := &pullAttempt{
		ncols:   len(cols),
		batches: make(chan *pullBatch, 1),
		free:    make(chan *pullBatch, 2),
		abort:   make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.att = a
	colsCopy := append([]redash.Column(nil), cols...)
	go func() {
		defer close(a.done)
		a.err = s.consume(s.ctx, colsCopy, a.rows)
		if a.err == nil && !a.ended {
			a.err = errors.New("the consumer returned before the end of the rows")
		}
	}()
	return nil
}

// rows is the iterator the consumer reads.
func (a *pullAttempt) rows(yield func([]any, error) bool) {
	for {
		select {
		case b, ok := <-a.batches:
			if !ok {
				a.ended = true
				return
			}
			for _, r := range b.rows {
				if !yield(r, nil) {
					return
				}
			}
			select {
			case a.free <- b:
			default:
			}
		case <-a.abort:
			yield(nil, a.stop)
			return
		}
	}
}

func (s *PullSink) newBatch() *pullBatch {
	a := s.att
	select {
	case b := <-a.free:
		b.rows = b.rows[:0]
		clear(b.slab)
		b.slab = b.slab[:0]
		return b
	default:
	}
	return &pullBatch{rows: make([][]any, 0, s.batchSize), slab: make([]any, 0, s.batchSize*a.ncols)}
}

// Row implements Sink.
func (s *PullSink) Row(row []any) error {
	a := s.att
	if a == nil || a.closed {
		return errors.New("pull sink: row outside an attempt")
	}
	if a.cur == nil {
		a.cur = s.newBatch()
	}
	b := a.cur
	n := len(b.slab)
	b.slab = append(b.slab, row[:min(len(row), a.ncols)]...)
	for len(b.slab) < n+a.ncols {
		b.slab = append(b.slab, nil)
	}
	b.rows = append(b.rows, b.slab[n:n+a.ncols:n+a.ncols])
	if len(b.rows) < s.batchSize {
		return nil
	}
	return s.send()
}

func (s *PullSink) send() error {
	a := s.att
	select {
	case a.batches <- a.cur:
		a.cur = nil
		return nil
	case <-a.done:
		return s.consumerErr()
	}
}

func (s *PullSink) consumerErr() error {
	if s.att.err != nil {
		return s.att.err
	}
	return errors.New("the consumer stopped before the end of the rows")
}

// Commit implements Sink: it ends the rows and waits for the consumer.
func (s *PullSink) Commit(Info) error {
	a := s.att
	if a == nil || a.closed {
		return errors.New("pull sink: nothing to commit")
	}
	if a.cur != nil && len(a.cur.rows) > 0 {
		if err := s.send(); err != nil {
			s.stop(ErrAborted)
			return err
		}
	}
	a.closed = true
	close(a.batches)
	<-a.done
	s.att = nil
	if a.err != nil {
		return fmt.Errorf("%w", a.err)
	}
	return nil
}

// Abort implements Sink: the consumer sees ErrAborted and gives up.
func (s *PullSink) Abort() error {
	if s.att != nil {
		s.stop(ErrAborted)
	}
	return nil
}

// stop makes the current attempt's iterator yield err and waits for the
// consumer to return.
func (s *PullSink) stop(err error) {
	a := s.att
	s.att = nil
	if !a.closed {
		a.stop = err
		close(a.abort)
	}
	<-a.done
}
