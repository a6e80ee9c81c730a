package io.github.digitbridge.cli;

import java.util.Arrays;

/** What the benchmark commands share: medians of repeated timings. */
final class Timing {
  private Timing() {}

  /** The median; for an even count, the mean of the two middle values. */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
