package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every command's help and usage errors of each, exactly as the CLI printed them when each command
 * was declared with picocli's annotations: usage-transcript.txt was written by {@code
 * tools/cli-transcript.sh} running the jar of that code. A change to an option's name, label,
 * arity, default, converter or description, to a command's description or to the order of any of
 * them shows up here as a difference.
 */
class UsageTranscriptTest {
  private static final String TRANSCRIPT = "usage-transcript.txt";

  @Test
  void helpAndUsageErrorsAreWhatTheAnnotatedCommandsPrinted() throws IOException {
    List<String> expected = transcript();
    List<String> commandLines = new ArrayList<>();
    for (String line : expected) {
      if (line.startsWith("$ ")) {
        commandLines.add(line.substring(2));
      }
    }
    assertTrue(commandLines.size() > 30, "expected the transcript's command lines");
    List<String> actual = new ArrayList<>();
    for (String commandLine : commandLines) {
      String[] args = commandLine.isEmpty() ? new String[0] : commandLine.split(" ");
      CliRun run = CliRun.of(args);
      actual.add("$ " + commandLine);
      actual.add("exit " + run.status());
      actual.add("--- stdout");
      actual.addAll(run.out());
      actual.add("--- stderr");
      actual.addAll(run.err());
    }
    assertEquals(String.join("\n", expected), String.join("\n", actual));
  }

  private static List<String> transcript() throws IOException {
    try (InputStream in = UsageTranscriptTest.class.getResourceAsStream(TRANSCRIPT)) {
      if (in == null) {
        throw new IOException("no resource " + TRANSCRIPT);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }
}
