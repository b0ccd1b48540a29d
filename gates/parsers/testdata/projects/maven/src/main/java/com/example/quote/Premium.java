package com.example.quote;

public final class Premium {
  private Premium() {}

  public static double of(double base, double rate) {
    return Math.round(base * rate * 100) / 100.0;
  }
}
