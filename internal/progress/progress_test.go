package progress

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestBarOnlyOnATerminal(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	b := New(ios, "Listing")
	b.Add(3)
	b.Done()
	assert.Equal(t, int64(3), b.Count())
	assert.Empty(t, errOut.String(), "no terminal, no bar")

	ios.SetStderrTTY(true)
	ios.SetQuiet(true)
	New(ios, "Listing").Add(1)
	assert.Empty(t, errOut.String(), "--quiet, no bar")
}

// TestConcurrentAdds runs under -race: workers count at once while the bar
// draws, with an unknown and a known total.
func TestConcurrentAdds(t *testing.T) {
	for _, total := range []int64{-1, 4000} {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(true)
		b := NewWithTotal(ios, "Archiving", total)
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1000; i++ {
					b.Add(1)
				}
			}()
		}
		wg.Wait()
		b.Done()
		assert.Equal(t, int64(4000), b.Count())
		assert.NotEmpty(t, errOut.String())
	}
}
