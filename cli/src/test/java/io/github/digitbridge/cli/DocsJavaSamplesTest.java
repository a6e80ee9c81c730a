package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.testing.Fixtures;
import java.io.File;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java samples of docs/java.md are compiled and run as a reader would run them, so that they
 * cannot drift from the API or from the figures: each {@code ```java} block is a whole program,
 * each line that prints ends with a comment giving what it prints, and every accuracy figure in the
 * page is the one the first sample prints.
 */
class DocsJavaSamplesTest {
  private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS = Pattern.compile("public (?:final )?class (\\w+)");
  private static final Pattern PRINTS =
      Pattern.compile("System\\.out\\.print.*;\\s*// (.*)$", Pattern.MULTILINE);
  private static final Pattern ACCURACY = Pattern.compile("\\d+\\.\\d\\d% \\(\\d+/\\d+\\)");

  private static Path root() {
    return Fixtures.pathProperty("digitbridge.models.dir").toAbsolutePath().getParent();
  }

  private static List<String> samples(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(markdown);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  @Test
  void everyJavaSampleCompilesRunsAndPrintsWhatThePageSays(@TempDir Path dir) throws Exception {
    Path mnist = Path.of(System.getProperty("user.home"), ".cache", "digitbridge", "mnist");
    Assumptions.assumeTrue(
        Fixtures.pathProperty("digitbridge.mnist.dir").toAbsolutePath().equals(mnist),
        "the samples read MNIST from its default place, and the tests were given another");
    String page = Files.readString(root().resolve("docs/java.md"));
    List<String> samples = samples(page);
    assertFalse(samples.isEmpty(), "no ```java block in docs/java.md");
    List<String> firstOutput = null;
    for (String sample : samples) {
      List<String> output = compileAndRun(sample, dir.resolve("sample" + samples.indexOf(sample)));
      List<String> promised = new ArrayList<>();
      Matcher m = PRINTS.matcher(sample);
      while (m.find()) {
        promised.add(m.group(1).strip());
      }
      assertEquals(promised, output, sample);
      firstOutput = firstOutput == null ? output : firstOutput;
    }
    Matcher figure = ACCURACY.matcher(page);
    String measured = firstOutput.get(0);
    while (figure.find()) {
      assertEquals(
          measured, figure.group(), "an accuracy in docs/java.md that the sample does not give");
    }
  }

  private static List<String> compileAndRun(String sample, Path dir) throws Exception {
    Matcher name = CLASS.matcher(sample);
    assertTrue(name.find(), "a sample is a whole program with a public class:\n" + sample);
    Files.createDirectories(dir);
    Path source = Files.writeString(dir.resolve(name.group(1) + ".java"), sample);
    String classPath = System.getProperty("java.class.path");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "the tests need a JDK, not a JRE");
    StringWriter diagnostics = new StringWriter();
    boolean compiled =
        javac
            .getTask(
                diagnostics,
                null,
                null,
                List.of("-d", dir.toString(), "-cp", classPath, "-proc:none"),
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjects(source.toFile()))
            .call();
    assertTrue(compiled, diagnostics + "\n" + sample);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process run =
        new ProcessBuilder(
                java.toString(), "-cp", dir + File.pathSeparator + classPath, name.group(1))
            .directory(root().toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertTrue(run.waitFor(120, TimeUnit.SECONDS), "the sample ran for over 2 minutes");
    assertEquals(0, run.exitValue(), Files.readString(err));
    return Files.readAllLines(out);
  }
}
