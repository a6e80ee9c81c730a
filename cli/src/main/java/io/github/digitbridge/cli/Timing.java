package io.github.digitbridge.cli;

import java.util.Arrays;

/** What the benchmark commands share: timed runs and the medians of their times. */
final class Timing {
  private Timing() {}

  /**
   * One piece of work to time.
   *
   * @param <E> the checked exception it may throw
   */
  @FunctionalInterface
  interface Timed<E extends Exception> {
    void run() throws E;
  }

  /** Runs the work once; the wall-clock time it took, in milliseconds. */
  static <E extends Exception> double millis(Timed<E> work) throws E {
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e6;
  }

  /** The median; for an even count, the mean of the two middle values. */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
