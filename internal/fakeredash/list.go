package fakeredash

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// pageArgs reads page and page_size with werkzeug's type=int: a value that
// is not an integer falls back to the default (§5.2).
func (x *rctx) pageArgs() (page, size int) {
	page, size = 1, 25
	if v := x.args.Get("page"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			page = n
		}
	}
	if v := x.args.Get("page_size"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			size = n
		}
	}
	return page, size
}

// checkPage applies paginate()'s checks in Redash's order (§5.2). It
// returns the [start, end) slice bounds, or false after answering.
func (x *rctx) checkPage(count, page, size int) (start, end int, ok bool) {
	if page < 1 {
		writeMessage(x.w, http.StatusBadRequest, msgPageNeg)
		return 0, 0, false
	}
	// (page-1)*page_size+1 > count > 0, without overflow.
	if count > 0 && size >= 1 && page-1 >= (count+size-1)/size {
		writeMessage(x.w, http.StatusBadRequest, msgPageRange)
		return 0, 0, false
	}
	if size > 250 || size < 1 {
		writeMessage(x.w, http.StatusBadRequest, msgPageSize)
		return 0, 0, false
	}
	if count == 0 && page > 1 {
		// Flask-SQLAlchemy's paginate aborts with 404 on an empty page > 1.
		x.notFound()
		return 0, 0, false
	}
	start = (page - 1) * size
	end = min(start+size, count)
	if start > count {
		start = count
	}
	return start, end, true
}

// writePage writes {"count","page","page_size","results"} with items
// [start, end) written by item.
func (x *rctx) writePage(count, page, size, start, end int, item func(e *enc, i int)) {
	e := getEnc(x.s.d, 3072*(end-start)+64)
	defer putEnc(e)
	e.obj()
	e.key("count")
	e.integer(count)
	e.key("page")
	e.integer(page)
	e.key("page_size")
	e.integer(size)
	e.key("results")
	e.arr()
	for i := start; i < end; i++ {
		item(e, i)
	}
	e.endArr()
	e.endObj()
	x.json(e.b)
}

// searchDoc holds a query's search tokens per weight class (§5.6).
type searchDoc struct {
	name, id, desc, sql []string
}

func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func (q *query) searchDoc() *searchDoc {
	if d := q.doc.Load(); d != nil {
		return d
	}
	d := &searchDoc{name: tokenize(q.Name), id: []string{strconv.Itoa(q.ID)}, sql: tokenize(q.SQL)}
	if q.Description != nil {
		d.desc = tokenize(*q.Description)
	}
	q.doc.Store(d)
	return d
}

func prefixIn(tokens []string, p string) bool {
	for _, t := range tokens {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// searchTerm is a parsed q: OR groups of AND terms; each term's parts are
// prefix matches, negated with a leading "-" (§5.6).
type searchTerm struct {
	parts []string
	neg   bool
}

func parseSearch(q string) [][]searchTerm {
	var groups [][]searchTerm
	var cur []searchTerm
	for _, w := range strings.Fields(q) {
		if strings.EqualFold(w, "or") {
			if len(cur) > 0 {
				groups = append(groups, cur)
			}
			cur = nil
			continue
		}
		t := searchTerm{}
		if strings.HasPrefix(w, "-") && len(w) > 1 {
			t.neg = true
			w = w[1:]
		}
		t.parts = tokenize(w)
		if len(t.parts) > 0 {
			cur = append(cur, t)
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// rank scores q against the search, 0 meaning no match. Weights follow
// the search vector: name A, id B, description C, SQL D.
func (d *searchDoc) rank(groups [][]searchTerm) float64 {
	best := 0.0
	for _, g := range groups {
		score, ok := 0.0, true
		for _, t := range g {
			w := 0.0
			for _, p := range t.parts {
				pw := 0.0
				switch {
				case prefixIn(d.name, p):
					pw = 1.0
				case prefixIn(d.id, p):
					pw = 0.4
				case prefixIn(d.desc, p):
					pw = 0.2
				case prefixIn(d.sql, p):
					pw = 0.1
				}
				if pw == 0 {
					w = 0
					break
				}
				w += pw
			}
			if t.neg {
				if w > 0 {
					ok = false
					break
				}
				continue
			}
			if w == 0 {
				ok = false
				break
			}
			score += w
		}
		if ok && score > best {
			best = score
		}
		if ok && score == 0 && best == 0 {
			best = 0.01 // only negated terms
		}
	}
	return best
}

// hasAllTags: a query must carry every requested tag (§5.3).
func hasAllTags(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// queryOrder sorts a filtered list per §5.3. order is the raw argument.
type orderSpec struct {
	field string
	desc  bool
}

func (d *dialect) queryOrder(order string) (orderSpec, bool) {
	order = strings.TrimSpace(order)
	if order == "" {
		return orderSpec{}, false
	}
	desc := strings.HasPrefix(order, "-")
	field := strings.TrimPrefix(order, "-")
	switch field {
	case "name", "created_at", "schedule", "runtime", "executed_at", "created_by":
	case "starred_at":
		if !d.starredAt {
			return orderSpec{"created_at", true}, true
		}
	default:
		return orderSpec{"created_at", true}, true // unknown: -created_at
	}
	return orderSpec{field, desc}, true
}

// sortQueries orders qs by spec; null values sort last ascending and
// first descending, as in PostgreSQL; ties fall back to id.
func (s *Server) sortQueries(qs []*query, spec orderSpec, starred func(*query) (int64, bool)) {
	if spec.field == "created_at" && spec.desc {
		sort.SliceStable(qs, func(i, j int) bool { return newerFirst(qs[i], qs[j]) })
		return
	}
	type key struct {
		null bool
		n    float64
		s    string
	}
	keyOf := func(q *query) key {
		switch spec.field {
		case "name":
			return key{s: strings.ToLower(q.Name)}
		case "created_at":
			return key{n: float64(q.CreatedAt.UnixMicro())}
		case "schedule":
			if q.Schedule == nil {
				return key{null: true}
			}
			if s.d.scheduleOrderInt {
				sc, _ := parseSchedule(q.Schedule)
				if sc == nil {
					return key{null: true}
				}
				return key{n: float64(sc.Interval)}
			}
			return key{s: string(q.Schedule)}
		case "runtime":
			if q.LatestQueryDataID == 0 {
				return key{null: true}
			}
			return key{n: q.Runtime}
		case "executed_at":
			if q.LatestQueryDataID == 0 {
				return key{null: true}
			}
			return key{n: float64(q.RetrievedAt.UnixMicro())}
		case "created_by":
			if u := s.st.userByID[q.UserID]; u != nil {
				return key{s: u.Name}
			}
			return key{null: true}
		case "starred_at":
			if starred != nil {
				if t, ok := starred(q); ok {
					return key{n: float64(t)}
				}
			}
			return key{null: true}
		}
		return key{}
	}
	keys := make(map[*query]key, len(qs))
	for _, q := range qs {
		keys[q] = keyOf(q)
	}
	less := func(a, b *query) bool {
		ka, kb := keys[a], keys[b]
		if ka.null != kb.null {
			// ASC: nulls last; DESC: nulls first.
			return kb.null != spec.desc
		}
		if !ka.null {
			if ka.s != kb.s {
				return (ka.s < kb.s) != spec.desc
			}
			if ka.n != kb.n {
				return (ka.n < kb.n) != spec.desc
			}
		}
		return (a.ID < b.ID) != spec.desc
	}
	sort.SliceStable(qs, func(i, j int) bool { return less(qs[i], qs[j]) })
}
