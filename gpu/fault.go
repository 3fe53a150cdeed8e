package gpu

// faults inject failures for the fallback tests; nil means none.
type faults struct {
	// noAdapter makes Open fail as if adapter discovery found nothing.
	noAdapter bool
	// selfTestBias is added to the GPU's loss inside the self-test, which
	// then fails its comparison with the CPU engine.
	selfTestBias float64
	// loseAtSubmit makes the engine's n-th submit (1-based, counted from
	// Open) fail as a lost device, and every later one too.
	loseAtSubmit int
	// software, when not nil, overrides whether the adapter counts as a
	// software one (Engine.Software), to test "auto"'s policy on any
	// adapter.
	software *bool
}
