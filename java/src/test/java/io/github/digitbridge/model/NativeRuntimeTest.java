package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.github.digitbridge.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeRuntimeTest {
  @Test
  void theAffectedVersionWithALongCommandLineIsRefusedWithTheWayOut() {
    Optional<String> risk = NativeRuntime.crashRisk("1.29.0", 8192, null);
    assertTrue(risk.isPresent());
    assertTrue(risk.get().contains("found 8192 bytes with ONNX Runtime 1.29.0"), risk.get());
    assertTrue(risk.get().contains("ORT_DISABLE_TELEMETRY=1"), risk.get());
  }

  @Test
  void theRefusalIsOneWholeLine() {
    assertEquals(
        "expected a command line under 3072 bytes or ORT_DISABLE_TELEMETRY=1 in the environment,"
            + " found 3072 bytes with ONNX Runtime 1.29.2, whose telemetry crashes the JVM on long"
            + " command lines (set ORT_DISABLE_TELEMETRY=1 or use ONNX Runtime 1.28.0)",
        NativeRuntime.crashRisk("1.29.2", 3072, null).orElseThrow());
  }

  @Test
  void onnxRuntimesMessagesAreJoinedIntoOneLine() {
    assertEquals(
        "Load model failed: bad input",
        NativeRuntime.oneLine(new OrtException("  Load model failed:\n   bad input \r\n")));
    assertEquals("OrtException", NativeRuntime.oneLine(new OrtException((String) null)));
  }

  @Test
  void everyOtherCombinationIsSafe() {
    int limit = NativeRuntime.COMMAND_LINE_LIMIT;
    assertTrue(NativeRuntime.crashRisk("1.29.0", limit - 1, null).isEmpty());
    assertTrue(NativeRuntime.crashRisk("1.29.1", limit, null).isPresent());
    assertTrue(NativeRuntime.crashRisk("1.29.0", 8192, "1").isEmpty());
    assertTrue(NativeRuntime.crashRisk("1.29.0", 8192, "").isPresent());
    assertTrue(NativeRuntime.crashRisk("1.28.0", 1 << 20, null).isEmpty());
    assertTrue(NativeRuntime.crashRisk(null, 1 << 20, null).isEmpty());
  }

  @Test
  void thePinnedRuntimeIsReadWithoutCreatingAnEnvironment() {
    assertEquals("1.28.0", NativeRuntime.version());
  }

  @Test
  void theRuntimeLoadsWithoutAnEnvironmentAndThenReportsItsVersion() {
    assertTrue(NativeRuntime.load());
    assertTrue(NativeRuntime.load(), "loading again is a no-op that still succeeds");
    assertEquals("1.28.0", NativeRuntime.version());
  }

  /**
   * A real JVM whose command line is over 8 KB, telemetry not disabled, loads a model and answers.
   */
  @Test
  void aJvmWithALongCommandLineLoadsAModel(@TempDir Path tmp) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String pad = "x".repeat(8192);
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "-Dpad=" + pad,
                "-cp",
                System.getProperty("java.class.path"),
                OpenModel.class.getName(),
                TestModels.linear().toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("out.log").toFile());
    builder.environment().remove(NativeRuntime.TELEMETRY_VARIABLE);
    Process process = builder.start();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the JVM did not finish");
    String out = Files.readString(builder.redirectOutput().file().toPath(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), out); // 139 (SIGSEGV) under ONNX Runtime 1.29.0
    assertTrue(out.contains("\nonnxruntime 1.28.0, "), out);
  }

  /** What the child JVM runs: opens a model with all its checks, as the CLI does, and answers. */
  public static final class OpenModel {
    private OpenModel() {}

    /**
     * Opens the model and prints its name and the runtime's version.
     *
     * @param args the model file
     * @throws ModelException if the model cannot be opened
     */
    public static void main(String[] args) throws ModelException {
      try (DigitClassifier classifier = DigitClassifier.open(Path.of(args[0]))) {
        System.out.println("model: " + classifier.name());
        System.out.println(
            "onnxruntime "
                + DigitClassifier.ortVersion()
                + ", providers available "
                + DigitClassifier.availableProviders());
      }
    }
  }
}
