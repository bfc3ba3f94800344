package fakeredash

import (
	"fmt"
	"net/http"
	"strconv"
)

// Messages of flask-restful / Werkzeug and Redash (§2.3, §17).
const (
	msgLogin        = "Couldn't find resource. Please login and try again."
	msgNotFound     = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
	msgForbidden    = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server."
	msgInternal     = "Internal Server Error"
	msgConflict     = "A conflict happened while processing the request. The resource might have been modified while the request was being processed."
	msgBadRequest   = "The browser (or proxy) sent a request that this server could not understand."
	msgNotAllowed   = "The method is not allowed for the requested URL."
	msgNoEdit       = "You don't have permission to edit this resource."
	msgNoCache      = "No cached result found for this query."
	msgPageNeg      = "Page must be positive integer."
	msgPageRange    = "Page is out of range."
	msgPageSize     = "Page size is out of range (1-250)."
	msgUseUserKey   = "Please use a user API key."
	msgNoRunPerm    = "You do not have permission to run queries with this data source."
	msgUnsafeKey    = "This query contains potentially unsafe parameters and cannot be executed on a shared dashboard or an embedded visualization."
	msgUnsafeViewer = "This query contains potentially unsafe parameters and cannot be executed with read-only access to this data source."
	msgBadParams    = "The following parameter values are incompatible with their definitions: "
	msgSelectDS     = "Please select data source to run this query."
	msgDSGone       = "Target data source not available."
)

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeMessage writes a flask-restful error body {"message": msg}.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	b := appendString([]byte(`{"message": `), msg)
	writeJSON(w, status, append(b, '}'))
}

// writeJobError writes {"job": {"status": 4, "error": msg}} (§2.3).
func writeJobError(w http.ResponseWriter, status int, msg string) {
	b := appendString([]byte(`{"job": {"status": 4, "error": `), msg)
	writeJSON(w, status, append(b, '}', '}'))
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
}

// werkzeugPage is the HTML error page of a blueprint route's abort (§2.3).
func werkzeugPage(status int, desc string) string {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return "<!doctype html>\n<html lang=en>\n<title>" + title + "</title>\n<h1>" + http.StatusText(status) + "</h1>\n<p>" + desc + "</p>\n"
}

// nginxPage is a reverse proxy's error page.
func nginxPage(status int) string {
	t := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return "<html>\r\n<head><title>" + t + "</title></head>\r\n<body>\r\n<center><h1>" + t + "</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
}

// spaPage is the single-page app's index.html served for unknown paths
// (§2.2); multi_org.html in multi-org mode.
func spaPage(multiOrg bool) string {
	base := "/"
	if multiOrg {
		base = "/{{ org_slug }}/"
	}
	return `<!DOCTYPE html>
<html lang="en" translate="no">
<head>
  <meta charset="UTF-8">
  <base href="` + base + `">
  <title>Redash</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" type="image/png" sizes="32x32" href="/static/images/favicon-32x32.png">
  <link href="/static/app.css" rel="stylesheet">
</head>
<body>
  <section class="app-wrapper">
    <div id="application-root"></div>
  </section>
  <script src="/static/app.js"></script>
</body>
</html>
`
}

const loginPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>Login to Redash</title></head>
<body><form method="post"><input name="email"><input name="password" type="password"><button>Log In</button></form></body>
</html>
`
