package io.github.digitbridge;

/**
 * Where start-up time goes: with the system property {@value #PROPERTY}{@code =true}, each phase of
 * opening a model (and the CLI's own) writes one line to standard error as it ends, {@code
 * digitbridge-trace PHASE THREAD NANOS}, NANOS being {@link System#nanoTime()}: on Linux the
 * monotonic clock that Python's {@code time.monotonic_ns()} reads, so a parent process can place
 * each phase after its own start ({@code python -m pybridge.bench_start} prints the medians).
 * Nothing is written otherwise.
 */
public final class StartupTrace {
  /** The system property that turns the trace on. */
  public static final String PROPERTY = "digitbridge.trace";

  /** The first word of every trace line. */
  public static final String PREFIX = "digitbridge-trace";

  private StartupTrace() {}

  /**
   * Records that a phase ended now, if tracing is on.
   *
   * @param phase a name without spaces, e.g. {@code session-created}
   */
  public static void mark(String phase) {
    if (Boolean.getBoolean(PROPERTY)) {
      // One print call per line: lines from several threads do not interleave.
      System.err.println(
          PREFIX + " " + phase + " " + Thread.currentThread().getName() + " " + System.nanoTime());
    }
  }
}
