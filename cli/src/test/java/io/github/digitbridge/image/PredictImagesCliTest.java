package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.cli.CliRun;
import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code digitbridge predict} on image files: the line format, {@code --segment}, {@code --json},
 * and one error line per refused image with exit code 2.
 *
 * <p>The CLI runs in-process through the cli package's {@link CliRun} rather than in a JVM per
 * case.
 */
class PredictImagesCliTest {
  private static final String LINE =
      " p=[01]\\.\\d{6} top-3: \\d [01]\\.\\d{6}, \\d [01]\\.\\d{6}, \\d [01]\\.\\d{6}";

  /** {@link #LINE} and the flag a probability below 0.6 adds. */
  private static final String LINE_MAYBE_UNSURE = LINE + "( \\(low confidence: p < 0\\.8\\))?";

  private static String corpus(String name) {
    return ImageCorpus.dir().resolve(name).toString();
  }

  private static String linear() {
    return TestModels.linear().toString();
  }

  @Test
  void anImagePrintsOneLineWithItsDigitAndTopThree() {
    String file = corpus("digit-000-black-on-white.png");
    CliRun run = CliRun.of("predict", "--model", linear(), file);
    assertEquals(0, run.status(), run.all());
    assertEquals(1, run.out().size(), run.all());
    assertTrue(run.out().get(0).matches(Pattern.quote(file) + ": \\d" + LINE), run.all());
    assertTrue(run.err().isEmpty(), run.all());
  }

  @Test
  void segmentPrintsTheNumberAndOneLinePerDigit() {
    String file = corpus("strip-12-34-dash.png");
    CliRun run = CliRun.of("predict", "--model", linear(), "--segment", file);
    assertEquals(0, run.status(), run.all());
    assertEquals(5, run.out().size(), run.all());
    assertTrue(
        run.out()
            .get(0)
            .matches(Pattern.quote(file) + ": number \\d{4} \\(4 digits; 1 mark ignored\\)"),
        run.all());
    for (int i = 0; i < 4; i++) {
      assertTrue(
          run.out()
              .get(i + 1)
              .matches(Pattern.quote(file + "[" + i + "]") + ": \\d" + LINE_MAYBE_UNSURE),
          run.all());
    }
  }

  @Test
  void jsonCarriesThePreprocessingOfEachDigit() {
    CliRun run =
        CliRun.of(
            "predict",
            "--model",
            linear(),
            "--json",
            "--segment",
            "--top",
            "2",
            corpus("strip-17.png"));
    assertEquals(0, run.status(), run.all());
    assertEquals(1, run.out().size(), run.all());
    String json = run.out().get(0);
    assertTrue(json.contains("\"segment\": true, \"runtime\": \"jvm-ort\", \"number\": \""), json);
    assertTrue(json.contains("\"polarity\": \"dark-on-light\""), json);
    assertTrue(json.contains("\"scaled\": ["), json);
    assertEquals(2, json.split("\"preprocessing\"").length - 1, json);
  }

  @Test
  void everyBadInputGetsOneErrorLineAndTheOthersAreStillRead() {
    List<ImageCorpus.Row> bad = ImageCorpus.rows("error");
    List<String> args = new ArrayList<>(List.of("predict", "--model", linear()));
    args.add(corpus("digit-001-black-on-white.png"));
    bad.forEach(row -> args.add(row.path().toString()));
    args.add(corpus("digit-002-black-on-white.png"));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(2, run.status(), run.all());
    assertEquals(2, run.out().size(), run.all()); // the two good images
    assertEquals(bad.size(), run.err().size(), run.all());
    for (int i = 0; i < bad.size(); i++) {
      String prefix = "error: " + bad.get(i).path() + ": " + bad.get(i).expected() + ": ";
      assertTrue(run.err().get(i).startsWith(prefix), run.err().get(i) + " vs " + prefix);
    }
  }

  @Test
  void filesStartingWithTwoZeroBytesAreRefusedOneByOne(@TempDir Path dir) throws Exception {
    // An ICO file and /dev/zero start like IDX (00 00) but are no IDX file: like any other
    // non-image they get their line, and the files after them are still read.
    Path ico = Files.write(dir.resolve("icon.ico"), new byte[] {0, 0, 1, 0, 1, 0, 16, 16, 0, 0});
    Path badIdx = Files.write(dir.resolve("images.idx"), new byte[] {0, 0, 8, 3, 0, 0});
    List<String> args = new ArrayList<>(List.of("predict", "--model", linear()));
    args.add(corpus("digit-001-black-on-white.png"));
    args.add(ico.toString());
    boolean devZero = Files.exists(Path.of("/dev/zero"));
    if (devZero) {
      args.add("/dev/zero");
    }
    args.add(badIdx.toString());
    args.add(corpus("digit-002-black-on-white.png"));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(2, run.status(), run.all());
    assertEquals(2, run.out().size(), run.all()); // both digits classified
    assertEquals(devZero ? 3 : 2, run.err().size(), run.all());
    assertTrue(run.err().get(0).startsWith("error: " + ico + ": NOT_AN_IMAGE: "), run.all());
    if (devZero) {
      assertTrue(run.err().get(1).startsWith("error: /dev/zero: NOT_AN_IMAGE: "), run.all());
    }
    assertTrue(run.err().get(devZero ? 2 : 1).startsWith("error: " + badIdx + ": "), run.all());
  }

  @Test
  void jsonReportsRefusedImagesToo() {
    CliRun run = CliRun.of("predict", "--model", linear(), "--json", corpus("bad-enormous.png"));
    assertEquals(2, run.status(), run.all());
    assertTrue(run.out().get(0).contains("\"error\": {\"reason\": \"TOO_LARGE\""), run.all());
    assertEquals(1, run.err().size(), run.all());
  }

  @Test
  void idxFilesStillWorkBesideImagesAndRawModeIsOffered(@TempDir Path dir) throws Exception {
    Path idx = Fixtures.file("ok_gzip.idx.gz");
    Path renamed = Files.copy(idx, dir.resolve("images.bin")); // by content, not by name
    CliRun run =
        CliRun.of(
            "predict",
            "--model",
            linear(),
            "--mode",
            "raw",
            renamed.toString(),
            corpus("strip-17.png"));
    assertEquals(0, run.status(), run.all());
    assertEquals(4, run.out().size(), run.all());
    assertTrue(run.out().get(0).startsWith(renamed + "[0]: "), run.all());
    assertTrue(run.out().get(3).startsWith(corpus("strip-17.png") + ": "), run.all());
  }

  @Test
  void segmentWithRawModeIsAUsageError() {
    CliRun run =
        CliRun.of(
            "predict", "--model", linear(), "--segment", "--mode", "raw", corpus("strip-17.png"));
    assertEquals(2, run.status(), run.all());
    assertTrue(run.err().get(0).startsWith("usage: "), run.all());
    CliRun mode =
        CliRun.of("predict", "--model", linear(), "--mode", "photo", corpus("strip-17.png"));
    assertEquals(2, mode.status(), mode.all());
  }

  @Test
  void theRealModelReadsTheStrips() throws Exception {
    Path model = null;
    for (Path p : TestModels.shipped()) {
      if (p.getFileName().toString().equals("deeper_cnn.onnx")) {
        model = p;
      }
    }
    Assumptions.assumeTrue(
        model != null, "models/deeper_cnn.onnx not trained yet: the numbers need a real model");
    for (ImageCorpus.Row row : ImageCorpus.rows("strip")) {
      CliRun run =
          CliRun.of("predict", "--model", model.toString(), "--segment", row.path().toString());
      assertEquals(0, run.status(), run.all());
      assertTrue(
          run.out().get(0).startsWith(row.path() + ": number " + row.expected() + " ("), run.all());
    }
  }

  @Test
  void aStripReadAsOneDigitSaysHowManyDigitsAndSuggestsSegment() {
    String strip = corpus("strip-2024.png");
    String digit = corpus("digit-000-black-on-white.png");
    CliRun run = CliRun.of("predict", "--model", linear(), strip, digit);
    assertEquals(0, run.status(), run.all());
    assertTrue(
        run.out()
            .get(0)
            .endsWith("; 4 digits found, read here as one: add --segment to read the number"),
        run.all());
    assertTrue(run.out().get(1).matches(Pattern.quote(digit) + ": \\d" + LINE), run.all());
    CliRun json = CliRun.of("predict", "--model", linear(), "--json", strip, digit);
    assertTrue(json.out().get(0).contains("\"digits_found\": 4, \"hint\": \""), json.all());
    assertTrue(json.out().get(1).endsWith("\"digits_found\": 1}"), json.all());
  }

  @Test
  void aLowConfidenceAnswerIsFlaggedInTheLineAndTheJson() {
    String unsure = corpus("digit-001-black-on-white.png"); // the linear model: p = 0.30
    String sure = corpus("digit-000-black-on-white.png");
    CliRun run = CliRun.of("predict", "--model", linear(), unsure, sure);
    assertEquals(0, run.status(), run.all());
    assertTrue(run.out().get(0).endsWith(" (low confidence: p < 0.8)"), run.all());
    assertTrue(run.out().get(1).matches(Pattern.quote(sure) + ": \\d" + LINE), run.all());
    CliRun json = CliRun.of("predict", "--model", linear(), "--json", unsure, sure);
    assertTrue(json.out().get(0).contains("\"low_confidence\": true"), json.all());
    assertTrue(json.out().get(1).contains("\"low_confidence\": false"), json.all());
  }

  @Test
  void withoutModelItReadsThePythonDefaultRelativeToTheWorkingDirectory() {
    CliRun help = CliRun.of("predict", "--help");
    assertTrue(help.all().contains("[--model=FILE]"), help.all());
    assertTrue(help.all().contains("Without --model it reads models/deeper_cnn.onnx"), help.all());
    Assumptions.assumeFalse(
        Files.exists(Path.of("models/deeper_cnn.onnx")), "the tests run where the default exists");
    CliRun run = CliRun.of("predict", corpus("digit-000-black-on-white.png"));
    assertEquals(2, run.status(), run.all());
    assertEquals(
        List.of(
            "error: models/deeper_cnn.onnx: IO: expected an ONNX model, found no such file under the"
                + " working directory "
                + Path.of("").toAbsolutePath()
                + " (run from the repository root, or pass --model)"),
        run.err(),
        run.all());
  }
}
