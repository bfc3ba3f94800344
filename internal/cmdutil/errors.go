// Package cmdutil holds the plumbing shared by every command: the Factory,
// the error types that root.Main turns into exit codes, and flag helpers.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, as documented in docs/exit-codes.md.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitAuth        = 4
	ExitInterrupted = 130
)

// FlagError is a usage error: a bad flag, argument or combination. It exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf formats a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap marks err as a usage error.
func FlagErrorWrap(err error) error { return &FlagError{err: err} }

// ErrSilent exits 1 without printing anything more: the command already said why.
var ErrSilent = errors.New("silent error")

// ErrCancel is returned when the user declined a prompt or interrupted a run.
var ErrCancel = errors.New("cancelled")

// ExitError carries an explicit exit code and the error to print (if any).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// AuthError marks a failure to authenticate with Redash or Google. It exits 4.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }
