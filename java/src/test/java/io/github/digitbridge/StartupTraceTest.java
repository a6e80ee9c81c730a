package io.github.digitbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The start-up trace: silent unless asked for, then one parseable line per phase. */
class StartupTraceTest {
  private static String traced(String property, String phase) {
    PrintStream err = System.err;
    String before = System.getProperty(StartupTrace.PROPERTY);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      if (property == null) {
        System.clearProperty(StartupTrace.PROPERTY);
      } else {
        System.setProperty(StartupTrace.PROPERTY, property);
      }
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      long start = System.nanoTime();
      StartupTrace.mark(phase);
      String text = captured.toString(StandardCharsets.UTF_8);
      if (!text.isEmpty()) {
        long at = Long.parseLong(text.strip().split(" ")[3]);
        assertTrue(at >= start && at <= System.nanoTime(), text);
      }
      return text;
    } finally {
      System.setErr(err);
      if (before == null) {
        System.clearProperty(StartupTrace.PROPERTY);
      } else {
        System.setProperty(StartupTrace.PROPERTY, before);
      }
    }
  }

  @Test
  void nothingIsWrittenUnlessTheTraceIsOn() {
    assertEquals("", traced(null, "main"));
    assertEquals("", traced("false", "main"));
    assertEquals("", traced("yes", "main"));
  }

  @Test
  void eachPhaseIsOneLineWithItsThreadAndTheMonotonicClock() {
    String line = traced("true", "session-created");
    String[] words = line.strip().split(" ");
    assertEquals(4, words.length, line);
    assertEquals(StartupTrace.PREFIX, words[0]);
    assertEquals("session-created", words[1]);
    assertEquals(Thread.currentThread().getName(), words[2]);
    assertTrue(line.endsWith(System.lineSeparator()), line);
  }
}
