// Package words writes counts in English for the messages of the command
// line and the page: Count(1, "fold") is "1 fold", Count(3, "fold") "3
// folds".
package words

import "strconv"

// Count writes n and noun, with an s unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
