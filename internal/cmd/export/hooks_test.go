package export

import (
	"context"

	"github.com/redashctl/redashctl/pkg/results"
)

// Hooks for the external tests (package export_test), which cannot live in
// this package: they run whole command lines through root, which imports it.

func FileRunForTest(ctx context.Context, opts *FileOptions) error { return fileRun(ctx, opts) }

func (o *FileOptions) RequestForTest() results.Request { return o.request }

func (o *FileOptions) FormatForTest() results.Format { return o.format }

var (
	SummaryLineForTest = summaryLine
	HumanAgeForTest    = humanAge
)
