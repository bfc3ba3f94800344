package fakeredash

import (
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// enc appends JSON to a byte slice without reflection. Object keys come out
// in the order they are written, like Redash's serializers. It does not
// escape <, > and & (Redash's json_dumps does not either).
type enc struct {
	b     []byte
	d     *dialect
	comma []bool // per open container: a value was written, so the next needs a comma
}

func newEnc(d *dialect, size int) *enc {
	return &enc{b: make([]byte, 0, size), d: d, comma: make([]bool, 0, 8)}
}

// encPool recycles the large buffers of list pages.
var encPool sync.Pool

func getEnc(d *dialect, size int) *enc {
	if e, ok := encPool.Get().(*enc); ok {
		e.d, e.b, e.comma = d, e.b[:0], e.comma[:0]
		return e
	}
	return newEnc(d, size)
}

// putEnc returns e to the pool once its bytes have been written out.
func putEnc(e *enc) {
	if cap(e.b) <= 4<<20 {
		encPool.Put(e)
	}
}

func (e *enc) sep() {
	if n := len(e.comma); n > 0 {
		if e.comma[n-1] {
			e.b = append(e.b, ',')
		}
		e.comma[n-1] = true
	}
}

// obj opens an object as the next value; key writes a key.
func (e *enc) obj() { e.sep(); e.b = append(e.b, '{'); e.comma = append(e.comma, false) }
func (e *enc) arr() { e.sep(); e.b = append(e.b, '['); e.comma = append(e.comma, false) }
func (e *enc) end(c byte) {
	e.comma = e.comma[:len(e.comma)-1]
	e.b = append(e.b, c)
}
func (e *enc) endObj() { e.end('}') }
func (e *enc) endArr() { e.end(']') }

// key writes `"k":`; the value written next does not add a comma.
func (e *enc) key(k string) {
	e.sep()
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
	// The value's own sep() must not add a comma; it sets the flag again.
	e.comma[len(e.comma)-1] = false
}

func (e *enc) str(s string)  { e.sep(); e.b = appendString(e.b, s) }
func (e *enc) null()         { e.sep(); e.b = append(e.b, "null"...) }
func (e *enc) integer(v int) { e.sep(); e.b = strconv.AppendInt(e.b, int64(v), 10) }
func (e *enc) boolean(v bool) {
	e.sep()
	e.b = strconv.AppendBool(e.b, v)
}

// float writes a Python-style float: integral values keep a ".0".
func (e *enc) float(v float64) { e.sep(); e.b = appendFloat(e.b, v) }

// raw writes pre-encoded JSON; nil or empty means null.
func (e *enc) raw(v []byte) {
	e.sep()
	if len(v) == 0 {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, v...)
}

// optStr writes a string, or null when p is nil.
func (e *enc) optStr(p *string) {
	if p == nil {
		e.null()
		return
	}
	e.str(*p)
}

// optInt writes v, or null when v is 0 (ids start at 1).
func (e *enc) optInt(v int) {
	if v == 0 {
		e.null()
		return
	}
	e.integer(v)
}

// time writes a datetime in the dialect's format (§2.1), or null when zero.
func (e *enc) time(t time.Time) {
	e.sep()
	if t.IsZero() {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '"')
	e.b = appendDatetime(e.b, e.d, t)
	e.b = append(e.b, '"')
}

func (e *enc) strs(v []string) {
	e.arr()
	for _, s := range v {
		e.str(s)
	}
	e.endArr()
}

func (e *enc) ints(v []int) {
	e.arr()
	for _, n := range v {
		e.integer(n)
	}
	e.endArr()
}

// appendDatetime formats t as Redash does (§2.1): v4/v5 Python isoformat()
// with microseconds (omitted when zero) and +00:00; v8+ milliseconds
// (microseconds cut, omitted when zero) and Z.
func appendDatetime(b []byte, d *dialect, t time.Time) []byte {
	t = t.UTC()
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	us := t.Nanosecond() / 1000
	if d.msDatetimes {
		if us != 0 {
			b = append(b, '.')
			b = appendPadded(b, us/1000, 3)
		}
		return append(b, 'Z')
	}
	if us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	return append(b, "+00:00"...)
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
