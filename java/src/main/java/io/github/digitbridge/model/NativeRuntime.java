package io.github.digitbridge.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import io.github.digitbridge.StartupTrace;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.LogManager;

/**
 * ONNX Runtime's process-wide environment, created only where creating it cannot kill the process.
 *
 * <p>ONNX Runtime 1.29's Linux telemetry matches a backtracking regular expression against {@code
 * /proc/self/cmdline} when the environment is created; from about 4 KB of command line (a long
 * class path, many arguments) it overflows the native stack and the JVM dies with SIGSEGV, leaving
 * neither an exception nor an hs_err file. The library is built against 1.28, which does not do
 * this, but an application may bring its own ONNX Runtime. With 1.29 and a long command line, and
 * telemetry not switched off by {@code ORT_DISABLE_TELEMETRY=1}, this refuses with an error that
 * says so instead of letting the process die.
 */
final class NativeRuntime {
  /** Command lines from this length on are refused under an affected ONNX Runtime. */
  static final int COMMAND_LINE_LIMIT = 3072; // the crash was measured from 4,000 bytes on

  static final String TELEMETRY_VARIABLE = "ORT_DISABLE_TELEMETRY";

  private static Optional<String> risk; // guarded by the class; see risk()

  private NativeRuntime() {}

  /**
   * The environment every session of this library is created in.
   *
   * @param subject the model being loaded, named in the error
   * @throws ModelException RUNTIME_UNSAFE where creating the environment would crash the process
   */
  static OrtEnvironment environment(String subject) throws ModelException {
    Optional<String> risk = risk();
    if (risk.isPresent()) {
      throw new ModelException(ModelException.Reason.RUNTIME_UNSAFE, subject, risk.get());
    }
    // ERROR, not ONNX Runtime's WARNING: its warnings would interleave with our one-line messages.
    OrtEnvironment environment =
        OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "digitbridge");
    StartupTrace.mark("environment-ready");
    return environment;
  }

  /**
   * {@link #crashRisk} for this process, worked out once: its ONNX Runtime and its command line do
   * not change, and every model's open asked again (a reflective call and a read of {@code
   * /proc/self/cmdline} each).
   */
  private static synchronized Optional<String> risk() {
    if (risk == null) {
      risk = crashRisk(version(), commandLineBytes(), System.getenv(TELEMETRY_VARIABLE));
    }
    return risk;
  }

  /**
   * Why creating the environment would crash, if it would.
   *
   * @param ortVersion the ONNX Runtime version, or null when unknown
   * @param commandLineBytes the length of the process's command line
   * @param telemetryVariable the value of ORT_DISABLE_TELEMETRY, or null when unset
   * @return the error detail (expected vs found), or empty when it is safe
   */
  static Optional<String> crashRisk(
      String ortVersion, long commandLineBytes, String telemetryVariable) {
    boolean affected = ortVersion != null && ortVersion.startsWith("1.29.");
    boolean telemetryOff = telemetryVariable != null && !telemetryVariable.isEmpty();
    if (!affected || telemetryOff || commandLineBytes < COMMAND_LINE_LIMIT) {
      return Optional.empty();
    }
    return Optional.of(
        "expected a command line under "
            + COMMAND_LINE_LIMIT
            + " bytes or "
            + TELEMETRY_VARIABLE
            + "=1 in the environment, found "
            + commandLineBytes
            + " bytes with ONNX Runtime "
            + ortVersion
            + ", whose telemetry crashes the JVM on long command lines (set "
            + TELEMETRY_VARIABLE
            + "=1 or use ONNX Runtime 1.28.0)");
  }

  /**
   * The version of the ONNX Runtime on the class path, read without creating its environment.
   *
   * @return e.g. {@code 1.28.0}, or null when this ONNX Runtime does not say
   */
  static String version() {
    // Loads the native library (safe: the crash is in the environment's creation, not the load),
    // from the verified cache rather than a fresh extraction.
    NativeLibraryCache.install();
    OrtEnvironment.getAvailableProviders();
    try {
      // Package-private in ONNX Runtime; OrtEnvironment.getVersion() would need the environment.
      Method version = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredMethod("version");
      version.setAccessible(true);
      return (String) version.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Has ONNX Runtime load its native libraries (from the verified cache) now, on the calling
   * thread, without creating its environment: what the first model open would otherwise do, so a
   * background thread can take that work off the caller's path ({@link
   * DigitClassifier#prepareRuntime()}). ONNX Runtime's own loader is called (as {@link #version()}
   * reaches into it), not a class initialiser: a failure here leaves nothing half-initialised, and
   * the model's open meets the same failure again and reports it as it always did.
   *
   * @return whether the libraries are loaded
   */
  static boolean load() {
    NativeLibraryCache.install();
    try {
      Method init = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredMethod("init");
      init.setAccessible(true);
      init.invoke(null);
      StartupTrace.mark("runtime-loaded");
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false; // reported by the open that needs the library, on the caller's thread
    }
  }

  /**
   * {@link #load()}, then the rest of what every model's open does first and the same way whatever
   * the model: the process-wide environment (created as {@link #environment} creates it, and only
   * where that is safe) and the contract parser's JSON machinery. Failures are left for the open to
   * meet and report.
   */
  static void prepare() {
    // ONNX Runtime's loader logs through java.util.logging, whose first use (~20 ms) would come
    // after the library's verification; made now, it overlaps it.
    LogManager.getLogManager();
    if (!load()) {
      return;
    }
    try {
      environment("ONNX Runtime");
      JsonValue.parse("{\"warm\": [0, 0.5]}").get("warm").elements();
    } catch (ModelException | RuntimeException e) {
      // the open reports its own errors; this was only a head start
    }
  }

  /** ONNX Runtime's message for an error, on one line: its messages can span lines, ours do not. */
  static String oneLine(OrtException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static long commandLineBytes() {
    try {
      return Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
    } catch (IOException | UnsupportedOperationException e) {
      return 0; // not Linux: the affected telemetry is Linux's
    }
  }
}
