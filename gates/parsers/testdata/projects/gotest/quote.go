// Package quote is a sample for golive's go-junit-report fixtures.
package quote

import "math"

// Premium is base times rate, rounded to cents.
func Premium(base, rate float64) float64 { return math.Round(base*rate*100) / 100 }
