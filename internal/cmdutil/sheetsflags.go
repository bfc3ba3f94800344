package cmdutil

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/build"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// SheetsFlags are the Google Sheets connection flags of the commands that
// write to or read from a spreadsheet (audit --sheet, plan export and
// import --sheet): --credentials, --sheets-endpoint and
// --writes-per-minute, with the names and meanings export sheet gives them.
type SheetsFlags struct {
	// Credentials is --credentials: a service-account key file, "none"
	// (with an endpoint, for a fake), or "" for the configuration's.
	Credentials string
	// Endpoint is --sheets-endpoint, or "" for the configuration's.
	Endpoint string
	// WritesPerMinute is --writes-per-minute; 0 turns pacing off.
	WritesPerMinute int
}

// AddFlags adds --credentials, --sheets-endpoint and --writes-per-minute.
func (s *SheetsFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.Credentials, "credentials", "", "Google service-account key file, or none for a fake endpoint (default: REDASHCTL_SHEETS_CREDENTIALS, the profile's sheets_credentials, then Application Default Credentials)")
	fl.StringVar(&s.Endpoint, "sheets-endpoint", "", "Send Google Sheets calls to this endpoint instead, a fake or a proxy (env REDASHCTL_SHEETS_ENDPOINT)")
	fl.IntVar(&s.WritesPerMinute, "writes-per-minute", sheets.DefaultWritesPerMinute, "Pace Google Sheets write requests under this per-user quota (0: no pacing)")
}

// Check returns a usage error for a bad flag value.
func (s *SheetsFlags) Check() error {
	if s.WritesPerMinute < 0 {
		return FlagErrorf("--writes-per-minute must not be negative, got %d", s.WritesPerMinute)
	}
	if s.Endpoint != "" {
		if err := config.ValidateURL(s.Endpoint); err != nil {
			return FlagErrorf("--sheets-endpoint %q is not an http(s) URL", s.Endpoint)
		}
	}
	return nil
}

// Settings picks the endpoint and credentials: the flag, then the
// configuration (environment, then profile). cfg may be nil.
func (s *SheetsFlags) Settings(cfg *config.Config) (endpoint, credentials string) {
	endpoint, credentials = s.Endpoint, s.Credentials
	if endpoint == "" && cfg != nil {
		endpoint = cfg.SheetsEndpoint
	}
	if credentials == "" && cfg != nil {
		credentials = cfg.SheetsCredentials
	}
	return endpoint, credentials
}

// NewWriter builds the Sheets writer for these flags and cfg, each HTTP
// attempt bounded by the global --timeout. Credential problems come back
// as AuthError (exit 4).
func (s *SheetsFlags) NewWriter(ctx context.Context, cfg *config.Config, g *GlobalOptions) (*sheets.Writer, error) {
	endpoint, credentials := s.Settings(cfg)
	wpm := s.WritesPerMinute
	if wpm == 0 {
		wpm = -1 // sheets.Options: negative turns pacing off, 0 is the default
	}
	opts := sheets.Options{
		Credentials:     credentials,
		Endpoint:        endpoint,
		WritesPerMinute: wpm,
		UserAgent:       "redashctl/" + build.Get().Version,
	}
	if g != nil {
		opts.AttemptTimeout = g.Timeout
	}
	w, err := sheets.New(ctx, opts)
	if err != nil {
		return nil, SheetsError(err)
	}
	return w, nil
}

// SheetTarget reads --sheet (a spreadsheet URL, whose #gid= picks the tab,
// or an id) and --tab (which wins over the #gid=; tabSet says whether it
// was given). Without either, the spreadsheet's first tab is meant.
func SheetTarget(sheet, tab string, tabSet bool) (sheets.Target, error) {
	t, err := sheets.ParseTarget(sheet)
	if err != nil {
		return t, FlagErrorf("--sheet: %v", err)
	}
	if tabSet {
		if tab == "" {
			return t, FlagErrorf("--tab is empty: name a tab or leave the flag out")
		}
		t.Tab, t.SheetID = tab, nil
	}
	return t, nil
}

// SheetsError marks a Sheets failure of credentials or permissions
// (sheets.ErrAuth or sheets.ErrPermission) as an AuthError, so that it
// exits 4; other errors are returned as they are.
func SheetsError(err error) error {
	var ae *AuthError
	if err == nil || errors.As(err, &ae) || (!errors.Is(err, sheets.ErrAuth) && !errors.Is(err, sheets.ErrPermission)) {
		return err
	}
	return &AuthError{Err: err}
}
