package quote

import "testing"

func TestPremiumPasses(t *testing.T) {
	if Premium(100, 1.5) != 150 {
		t.Fatal("wrong premium")
	}
}

func TestPremiumRoundingFails(t *testing.T) {
	t.Log("computing the premium of 10.005")
	if got := Premium(10.005, 1); got != 10.02 {
		t.Errorf("BUG-101 premium rounding: got %v, want 10.02", got)
	}
}

func TestQuotePDFSkipped(t *testing.T) { t.Skip("quote PDF not implemented") }

func TestRates(t *testing.T) {
	for _, rate := range []float64{1, 2} {
		t.Run("rate", func(t *testing.T) {
			if Premium(1, rate) != rate {
				t.Fatal("wrong")
			}
		})
	}
}
