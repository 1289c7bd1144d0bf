package runner

import "strings"

// stopper filters generated text for stop strings. It holds back the
// longest tail that could begin a stop string, so a stop string split over
// several tokens is never partly delivered; every match lies in the held
// text.
type stopper struct {
	stops   []string
	pending string
	matched bool
}

func newStopper(stops []string) *stopper {
	s := &stopper{}
	for _, st := range stops {
		if st != "" {
			s.stops = append(s.stops, st)
		}
	}
	return s
}

// feed adds text and returns what can be delivered now; stopped reports a
// match, after which the text up to the stop string was the last output.
func (s *stopper) feed(text string) (out string, stopped bool) {
	if s.matched {
		return "", true
	}
	if len(s.stops) == 0 {
		return text, false
	}
	s.pending += text
	first := -1
	for _, st := range s.stops {
		if i := strings.Index(s.pending, st); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first >= 0 {
		out, s.pending, s.matched = s.pending[:first], "", true
		return out, true
	}
	keep := 0
	for _, st := range s.stops {
		for k := min(len(st)-1, len(s.pending)); k > keep; k-- {
			if strings.HasSuffix(s.pending, st[:k]) {
				keep = k
				break
			}
		}
	}
	cut := len(s.pending) - keep
	out, s.pending = s.pending[:cut], s.pending[cut:]
	return out, false
}

// flush returns the held-back text (the request ended without a match).
func (s *stopper) flush() string {
	out := s.pending
	s.pending = ""
	return out
}
