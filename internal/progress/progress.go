// Package progress draws progress on stderr, only when stderr is a terminal
// and --quiet is off. Counters are safe for concurrent workers.
package progress

import (
	"sync/atomic"

	"github.com/schollz/progressbar/v3"

	"github.com/redashctl/redashctl/internal/iostreams"
)

// Bar is a progress bar, or nothing when progress is not shown.
type Bar struct {
	bar   *progressbar.ProgressBar
	count atomic.Int64
}

// New starts a bar with an unknown total (a counter with a rate).
func New(ios *iostreams.IOStreams, description string) *Bar {
	return NewWithTotal(ios, description, -1)
}

// NewWithTotal starts a bar with a known total, showing rate and ETA.
func NewWithTotal(ios *iostreams.IOStreams, description string, total int64) *Bar {
	b := &Bar{}
	if !ios.ShowProgress() {
		return b
	}
	b.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
		// With an unknown total the library animates its spinner from a
		// goroutine that reads the bar's state without its lock (a data
		// race); a spinner that moves on each Add needs no goroutine.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
	return b
}

// Add counts n more items done.
func (b *Bar) Add(n int) {
	b.count.Add(int64(n))
	if b.bar != nil {
		_ = b.bar.Add(n)
	}
}

// SetTotal sets the total once it is known.
func (b *Bar) SetTotal(total int64) {
	if b.bar != nil {
		b.bar.ChangeMax64(total)
	}
}

// Count is how many items were counted.
func (b *Bar) Count() int64 { return b.count.Load() }

// Done finishes and clears the bar.
func (b *Bar) Done() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}

// Abort clears the bar after a failure.
func (b *Bar) Abort() {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
}
