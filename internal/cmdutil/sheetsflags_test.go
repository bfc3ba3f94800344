package cmdutil

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestSheetsFlags(t *testing.T) {
	var sf SheetsFlags
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	sf.AddFlags(cmd)
	cmd.SetArgs([]string{"--credentials", "key.json", "--sheets-endpoint", "http://127.0.0.1:5001/", "--writes-per-minute", "30"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, SheetsFlags{Credentials: "key.json", Endpoint: "http://127.0.0.1:5001/", WritesPerMinute: 30}, sf)
	require.NoError(t, sf.Check())

	var def SheetsFlags
	cmd = &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	def.AddFlags(cmd)
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	assert.Equal(t, SheetsFlags{WritesPerMinute: sheets.DefaultWritesPerMinute}, def, "paced at Google's default quota")

	var fe *FlagError
	err := (&SheetsFlags{WritesPerMinute: -1}).Check()
	require.ErrorAs(t, err, &fe)
	assert.EqualError(t, err, "--writes-per-minute must not be negative, got -1")
	err = (&SheetsFlags{Endpoint: "127.0.0.1:5001"}).Check()
	require.ErrorAs(t, err, &fe)
	assert.EqualError(t, err, `--sheets-endpoint "127.0.0.1:5001" is not an http(s) URL`)
}

func TestSheetsSettings(t *testing.T) {
	cfg := &config.Config{SheetsEndpoint: "http://cfg/", SheetsCredentials: "cfg.json"}
	tests := []struct {
		name            string
		flags           SheetsFlags
		cfg             *config.Config
		endpoint, creds string
	}{
		{name: "configuration", cfg: cfg, endpoint: "http://cfg/", creds: "cfg.json"},
		{name: "flags win", flags: SheetsFlags{Endpoint: "http://flag/", Credentials: "none"}, cfg: cfg, endpoint: "http://flag/", creds: "none"},
		{name: "one flag", flags: SheetsFlags{Credentials: "flag.json"}, cfg: cfg, endpoint: "http://cfg/", creds: "flag.json"},
		{name: "nothing: Google and ADC", cfg: &config.Config{}},
		{name: "no configuration", flags: SheetsFlags{Endpoint: "http://flag/"}, endpoint: "http://flag/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := tt.flags.Settings(tt.cfg)
			assert.Equal(t, tt.endpoint, e)
			assert.Equal(t, tt.creds, c)
		})
	}
}

func TestSheetsNewWriter(t *testing.T) {
	sf := SheetsFlags{Credentials: "none", Endpoint: "http://127.0.0.1:1/"}
	w, err := sf.NewWriter(t.Context(), nil, &GlobalOptions{})
	require.NoError(t, err)
	assert.NotNil(t, w)

	var ae *AuthError
	_, err = (&SheetsFlags{Credentials: "none"}).NewWriter(t.Context(), &config.Config{}, nil)
	require.ErrorAs(t, err, &ae, "none without an endpoint exits 4")
	require.ErrorIs(t, err, sheets.ErrAuth)

	_, err = (&SheetsFlags{}).NewWriter(t.Context(), &config.Config{SheetsCredentials: filepath.Join(t.TempDir(), "missing.json")}, nil)
	require.ErrorAs(t, err, &ae, "the configuration's key file is used, and a missing one exits 4")
	assert.Contains(t, err.Error(), "missing.json")
}

func TestSheetTarget(t *testing.T) {
	gid := int64(12)
	const url = "https://docs.google.com/spreadsheets/d/1AbC/edit#gid=12"
	tests := []struct {
		name    string
		sheet   string
		tab     string
		tabSet  bool
		want    sheets.Target
		wantErr string
	}{
		{name: "URL with gid", sheet: url, want: sheets.Target{SpreadsheetID: "1AbC", SheetID: &gid}},
		{name: "tab wins", sheet: url, tab: "Review", tabSet: true, want: sheets.Target{SpreadsheetID: "1AbC", Tab: "Review"}},
		{name: "id", sheet: "1AbC", want: sheets.Target{SpreadsheetID: "1AbC"}},
		{name: "empty tab", sheet: "1AbC", tabSet: true, wantErr: "--tab is empty: name a tab or leave the flag out"},
		{name: "empty sheet", sheet: "", wantErr: `--sheet: invalid spreadsheet "": empty; give a spreadsheet URL or id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SheetTarget(tt.sheet, tt.tab, tt.tabSet)
			if tt.wantErr != "" {
				var fe *FlagError
				require.ErrorAs(t, err, &fe, "a usage error")
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSheetsError(t *testing.T) {
	var ae *AuthError
	assert.NoError(t, SheetsError(nil))
	plain := errors.New("500 Internal Server Error")
	assert.Same(t, plain, SheetsError(plain))
	for _, kind := range []error{sheets.ErrAuth, sheets.ErrPermission} {
		err := SheetsError(fmt.Errorf("read spreadsheet x: %w", kind))
		require.ErrorAs(t, err, &ae)
		assert.ErrorIs(t, err, kind)
		assert.Equal(t, "read spreadsheet x: "+kind.Error(), err.Error())
	}
	wrapped := &AuthError{Err: sheets.ErrAuth}
	assert.Same(t, wrapped, SheetsError(wrapped).(*AuthError), "not wrapped twice")
	assert.NotErrorIs(t, SheetsError(fmt.Errorf("x: %w", sheets.ErrNotFound)), sheets.ErrAuth)
}
