package build

// Keeps the Sheets API in go.mod until pkg/sheets imports it (issue 4).
import (
	_ "google.golang.org/api/option"
	_ "google.golang.org/api/sheets/v4"
)
