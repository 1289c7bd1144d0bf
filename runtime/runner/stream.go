package runner

import (
	"iter"
	"sync"
	"time"
)

// Event is one step of a stream: a generated token and the text that became
// complete with it ("" when the runner has no tokenizer, or while text is
// held back because it may start a stop string or is an unfinished UTF-8
// character). The last event may have Token -1: text only, the held-back
// tail released when the request ends.
type Event struct {
	Token int32
	Text  string
}

// Finish reasons of a Result.
const (
	FinishStop      = "stop"      // end-of-generation token or stop string
	FinishLength    = "length"    // MaxTokens reached or the context is full
	FinishCancelled = "cancelled" // the request's context was cancelled or the runner closed
	FinishError     = "error"     // see Result.Err
)

// Result is how a request ended and what it used.
type Result struct {
	Finish             string
	Err                error // set when Finish is FinishError
	PromptTokens       int
	CachedPromptTokens int           // prompt tokens the prefix cache supplied
	GeneratedTokens    int           // tokens sampled, an end-of-generation token included
	Preemptions        int           // times the sequence was preempted and recomputed
	TTFT               time.Duration // from Submit to the first sampled token (0 if none)
	Duration           time.Duration // from Submit to the end
}

// Stream delivers one request's events and its Result. One goroutine
// reads events (Next or Tokens); any goroutine may Wait.
type Stream struct {
	mu     sync.Mutex
	events []Event
	head   int
	ended  bool
	result Result
	notify chan struct{} // capacity 1: "something changed"
	done   chan struct{}
}

func newStream() *Stream {
	return &Stream{notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// Next returns the next event, blocking until there is one; ok is false
// once the stream has ended and every event was read.
func (s *Stream) Next() (ev Event, ok bool) {
	for {
		s.mu.Lock()
		if s.head < len(s.events) {
			ev = s.events[s.head]
			s.events[s.head] = Event{}
			s.head++
			s.mu.Unlock()
			return ev, true
		}
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return Event{}, false
		}
		<-s.notify
	}
}

// Tokens iterates over the remaining events until the stream ends.
func (s *Stream) Tokens() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for ev, ok := s.Next(); ok; ev, ok = s.Next() {
			if !yield(ev) {
				return
			}
		}
	}
}

// Done is closed when the request has ended (its events may still be
// unread).
func (s *Stream) Done() <-chan struct{} { return s.done }

// Wait blocks until the request ends and returns its Result.
func (s *Stream) Wait() Result {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.result
}

// push appends an event without blocking.
func (s *Stream) push(ev Event) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	s.wake()
}

// end records the result; it must be called exactly once.
func (s *Stream) end(r Result) {
	s.mu.Lock()
	s.result, s.ended = r, true
	s.mu.Unlock()
	close(s.done)
	s.wake()
}

func (s *Stream) wake() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}
