package io.github.digitbridge.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What one in-process run of the CLI printed and returned. Public for the CLI tests of other
 * packages: {@link Main#run} itself is package-private.
 *
 * @param status the exit code
 * @param out the lines of standard output
 * @param err the lines of standard error
 */
public record CliRun(int status, List<String> out, List<String> err) {
  /** Runs {@link Main#run} with captured streams and empty standard input. */
  public static CliRun of(String... args) {
    return withInput("", args);
  }

  /** Runs {@link Main#run} with captured streams and {@code stdin} as standard input. */
  public static CliRun withInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      status =
          Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), o, e);
    }
    return new CliRun(status, lines(out), lines(err));
  }

  private static List<String> lines(ByteArrayOutputStream bytes) {
    String text = bytes.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\\R"));
  }

  /** Everything printed, for assertion messages. */
  public String all() {
    return String.join("\n", out) + "\n--- stderr ---\n" + String.join("\n", err);
  }
}
