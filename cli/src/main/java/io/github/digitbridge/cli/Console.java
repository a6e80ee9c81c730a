package io.github.digitbridge.cli;

import io.github.digitbridge.DigitBridgeException;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * Where a command reads and writes: results to {@code out}, one line per problem to {@code err}.
 *
 * @param in standard input (read only by {@code bench-infer --paired})
 * @param out standard output
 * @param err standard error
 * @param debug whether problems also print their stack trace
 */
record Console(InputStream in, PrintStream out, PrintStream err, boolean debug) {
  /**
   * Reports bad input (any {@code DigitBridgeException}) as the one line {@code error: <file>:
   * <REASON>: <detail>}.
   */
  void report(DigitBridgeException e) {
    err.println("error: " + e.getMessage());
    if (debug) {
      e.printStackTrace(err);
    }
  }

  /** One warning line, e.g. CUDA asked for but not available. */
  void warn(String message) {
    err.println("warning: " + message);
  }
}
