package export

import (
	"context"

	"github.com/redashctl/redashctl/pkg/results"
)

// Hooks for the external tests (package export_test), which cannot live in
// this package: they run whole command lines through root, which imports it.

// FileRunForTest runs fileRun.
func FileRunForTest(ctx context.Context, opts *FileOptions) error { return fileRun(ctx, opts) }

// RequestForTest returns the request the flags made.
func (o *FileOptions) RequestForTest() results.Request { return o.request }

// FormatForTest returns the format the flags chose.
func (o *FileOptions) FormatForTest() results.Format { return o.format }

// Unexported helpers under test.
var (
	SummaryLineForTest = summaryLine
	HumanAgeForTest    = humanAge
)
