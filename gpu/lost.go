//go:build cgo || js

package gpu

import "sync"

// lostState is what the device of both builds (device_native.go,
// device_js.go) knows about its loss: why it was lost, and whether it is
// being released (a device destroyed on purpose is not lost). The engine
// records a loss it detects itself with setLost and looks at lostReason
// around every submit; in the browser device.lost's callback reports too.
type lostState struct {
	mu      sync.Mutex
	lost    string
	closing bool
}

// setLost records why the device was lost: the first reason stays, and a
// device being released is not lost.
func (s *lostState) setLost(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing && s.lost == "" {
		s.lost = reason
	}
}

// lostReason says why the device was lost ("" while it works).
func (s *lostState) lostReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// setClosing marks the device as being released.
func (s *lostState) setClosing() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
}
