// Package iostreams bundles the standard streams with what the commands need
// to know about them: whether each is a terminal and how wide it is.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes. Data goes to Out;
// progress, warnings, prompts and errors go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	width     int
	quiet     bool
}

// System returns the process's own streams.
func System() *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	ios.stdinTTY = isTerminal(os.Stdin)
	ios.stdoutTTY = isTerminal(os.Stdout)
	ios.stderrTTY = isTerminal(os.Stderr)
	ios.width = 120
	if ios.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			ios.width = w
		}
	}
	return ios
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 120}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// TerminalWidth is the width tables are fitted to.
func (s *IOStreams) TerminalWidth() int {
	if s.width <= 0 {
		return 120
	}
	return s.width
}

// SetTerminalWidth overrides the detected width (tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// SetQuiet turns progress output off.
func (s *IOStreams) SetQuiet(q bool) { s.quiet = q }

// ShowProgress reports whether progress bars and spinners may be drawn: only
// on a terminal, and not with --quiet.
func (s *IOStreams) ShowProgress() bool { return s.stderrTTY && !s.quiet }
