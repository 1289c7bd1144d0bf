package chat

import (
	"strings"
	"time"
)

// strftimeLayouts maps the C strftime directives templates use to Go
// layouts.
var strftimeLayouts = map[byte]string{
	'a': "Mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'h': "Jan",
	'd': "02", 'e': "_2", 'm': "01", 'y': "06", 'Y': "2006",
	'H': "15", 'I': "03", 'M': "04", 'S': "05", 'p': "PM", 'Z': "MST", 'z': "-0700",
}

// strftime formats t with a C strftime format; unknown directives are
// copied through unchanged, as glibc does.
func strftime(t time.Time, format string) string {
	var sb strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			sb.WriteByte(c)
			continue
		}
		i++
		d := format[i]
		switch {
		case d == '%':
			sb.WriteByte('%')
		case d == 'j':
			sb.WriteString(t.Format("002"))
		default:
			if l, ok := strftimeLayouts[d]; ok {
				sb.WriteString(t.Format(l))
			} else {
				sb.WriteByte('%')
				sb.WriteByte(d)
			}
		}
	}
	return sb.String()
}
