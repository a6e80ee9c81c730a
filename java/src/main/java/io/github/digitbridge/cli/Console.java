package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import java.io.PrintStream;

/**
 * Where a command writes: results to {@code out}, one line per problem to {@code err}.
 *
 * @param out standard output
 * @param err standard error
 * @param debug whether problems also print their stack trace
 */
record Console(PrintStream out, PrintStream err, boolean debug) {
  /** Reports bad input as the one line {@code error: <file>: <REASON>: <detail>}. */
  void report(IdxException e) {
    err.println("error: " + e.getMessage());
    if (debug) {
      e.printStackTrace(err);
    }
  }
}
