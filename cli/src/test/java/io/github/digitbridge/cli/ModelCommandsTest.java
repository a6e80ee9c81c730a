package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.Evaluation;
import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.OnnxBytes;
import io.github.digitbridge.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The model commands: info, predict, evaluate, bench-infer; their output and exit codes. */
class ModelCommandsTest {
  private static String linear;
  private static String altered;
  private static String images;
  private static String labels;
  private static String card;
  private static String accuracyLine;

  @BeforeAll
  static void paths() throws Exception {
    linear = TestModels.linear().toString();
    altered = TestModels.file("linear_altered.onnx").toString();
    images = TestModels.mnistTestImages().toString();
    labels = TestModels.mnistTestLabels().toString();
    card = TestModels.file("linear.json").toString();
    try (DigitClassifier classifier = DigitClassifier.open(TestModels.linear())) {
      Evaluation evaluation = Evaluation.of(classifier, TestModels.mnistTest());
      accuracyLine = "accuracy " + evaluation.accuracyText();
    }
  }

  private static void assertOneErrorLine(CliRun run, int status, String contains) {
    assertEquals(status, run.status(), run.all());
    assertEquals(1, run.err().size(), run.all());
    assertTrue(run.err().get(0).startsWith("error: "), run.all());
    assertTrue(run.err().get(0).contains(contains), run.all());
  }

  // ---- info --------------------------------------------------------------------------------

  @Test
  void infoSummarisesContractSessionGoldenCardAndRuntime() {
    CliRun run = CliRun.of("info", "--model", linear);
    assertEquals(Main.OK, run.status(), run.all());
    String out = String.join("\n", run.out());
    assertTrue(out.contains("input: image float32 [N, 28, 28, 1]"), out);
    assertTrue(out.contains("output: probabilities float32 [N, 10]"), out);
    assertTrue(out.contains("golden check passed: 8 images"), out);
    assertTrue(out.contains("card: " + card + ", test_accuracy "), out);
    assertTrue(out.contains("onnxruntime " + DigitClassifier.ortVersion()), out);
    assertTrue(out.contains("providers available [CPU"), out);
    assertEquals(List.of(), run.err());
  }

  @Test
  void infoJsonIsOneObject() {
    CliRun run = CliRun.of("info", "--model", linear, "--json");
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(1, run.out().size());
    assertTrue(run.out().get(0).contains("\"golden\": {\"passed\": true"), run.all());
  }

  @Test
  void infoOnTheAlteredModelFailsItsGoldenCheckWithExit1() {
    assertOneErrorLine(
        CliRun.of("info", "--model", altered), Main.CHECK_FAILED, ": GOLDEN_MISMATCH: ");
    assertEquals(Main.OK, CliRun.of("info", "--model", altered, "--no-golden").status());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"corrupt.onnx", "no_contract.onnx", "wrong_input_shape.onnx", "absent.onnx"})
  void infoOnAModelThatCannotBeUsedIsBadInput(String name) {
    String model = TestModels.file(name).toString();
    assertOneErrorLine(
        CliRun.of("info", "--model", model), Main.BAD_INPUT, "error: " + model + ": ");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "classes a digit string | [\"N\", 10] | [\"N\", \"99999999999\"] | CONTRACT_INVALID",
        "size 46341 squared | \"size\": [28, 28] | \"size\": [46341, 46341] | CONTRACT_INVALID",
        "golden atol 1e300 | \"atol\": 1e-05 | \"atol\": 1e300 | CONTRACT_INVALID",
        "golden atol NaN | \"atol\": 1e-05 | \"atol\": NaN | CONTRACT_INVALID",
        "14 MB contract | \"name\": \"linear\" | \"name\": \"linear\", \"pad\": \"PAD\" | TOO_LARGE",
      })
  void infoOnAHostileContractIsOneErrorLineAndExit2(
      String what, String from, String to, String reason, @TempDir Path tmp) throws Exception {
    CliRun run =
        infoWithContract(
            tmp, c -> c.replace(from, to.replace("PAD", "x".repeat(14_600_000))), from);
    assertOneErrorLine(run, Main.BAD_INPUT, ": " + reason + ": ");
  }

  @Test
  void infoOnAContractOf46341SquaredPixelsIsOneErrorLineAndExit2(@TempDir Path tmp)
      throws Exception {
    CliRun run =
        infoWithContract(
            tmp,
            c ->
                c.replace("\"size\": [28, 28]", "\"size\": [46341, 46341]")
                    .replace("[\"N\", 28, 28, 1]", "[\"N\", 46341, 46341, 1]"),
            "\"size\": [28, 28]");
    assertOneErrorLine(run, Main.BAD_INPUT, "expected a size from 1 to 1024");
  }

  /**
   * {@code info} on the altered model carrying the test model's contract changed by {@code change}:
   * whatever the contract claims, the altered model must not pass.
   */
  private static CliRun infoWithContract(Path tmp, UnaryOperator<String> change, String from)
      throws Exception {
    String contract;
    try (DigitClassifier c =
        DigitClassifier.open(
            TestModels.linear(), TestModels.options().verifyGolden(false).build())) {
      contract = c.contract().json();
    }
    String changed = change.apply(contract);
    assertTrue(!changed.equals(contract), "the substitution did not apply: " + from);
    byte[] model = OnnxBytes.withContract(Files.readAllBytes(Path.of(altered)), changed);
    Path file = Files.write(tmp.resolve("m.onnx"), model);
    return CliRun.of("info", "--model", file.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "[]", "{\"test_accuracy\": \"0.82\"}", "{\"test_accuracy\": 2}"})
  void infoWithABadCardBesideTheModelIsOneErrorLineAndExit2(String card, @TempDir Path tmp)
      throws Exception {
    Path model = Files.copy(Path.of(linear), tmp.resolve("m.onnx"));
    Files.writeString(tmp.resolve("m.json"), card);
    assertOneErrorLine(
        CliRun.of("info", "--model", model.toString()), Main.BAD_INPUT, ": CARD_INVALID: expected");
  }

  @Test
  void debugAddsTheStackTraceToModelErrors() {
    CliRun run =
        CliRun.of("--debug", "info", "--model", TestModels.file("corrupt.onnx").toString());
    assertEquals(Main.BAD_INPUT, run.status());
    assertTrue(run.err().size() > 2, run.all());
  }

  @Test
  void cudaAskedForOnThisMachineWarnsOnceAndRunsOnCpu() {
    CliRun run = CliRun.of("info", "--model", linear, "--provider", "cuda");
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(1, run.err().size(), run.all());
    assertTrue(run.err().get(0).startsWith("warning: "), run.all());
    assertTrue(String.join("\n", run.out()).contains("this session: CPU, "), run.all());
  }

  // ---- evaluate ----------------------------------------------------------------------------

  /** {@code evaluate --model MODEL --images <t10k> --labels <t10k> EXTRA...}. */
  private static CliRun evaluate(String model, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("evaluate", "--model", model, "--images", images, "--labels", labels));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void evaluatePrintsAccuracyAsPercentAndCountAndMatchesTheCard() {
    CliRun run = evaluate(linear, "--expect-card", card);
    assertEquals(Main.OK, run.status(), run.all());
    assertTrue(run.out().contains(accuracyLine), run.all());
    assertTrue(run.out().stream().anyMatch(l -> l.startsWith("card ") && l.endsWith(": equal")));
  }

  /** The figures are written alike whatever the user's locale (Thai digits, comma decimals). */
  @Test
  void evaluateAndPredictWriteTheSameLinesInEveryLocale() {
    String file = Fixtures.file("ok_gzip.idx.gz").toString();
    List<String> expected = new ArrayList<>(evaluate(linear).out());
    expected.addAll(CliRun.of("predict", "--model", linear, file).out());
    Locale before = Locale.getDefault();
    try {
      for (String tag : List.of("th-TH-u-nu-thai", "de-DE", "ar-EG")) {
        Locale.setDefault(Locale.forLanguageTag(tag));
        List<String> found = new ArrayList<>(evaluate(linear).out());
        found.addAll(CliRun.of("predict", "--model", linear, file).out());
        assertEquals(expected, found, tag);
      }
    } finally {
      Locale.setDefault(before);
    }
    assertTrue(expected.get(0).contains(": 10000 images from "), expected.get(0));
  }

  @Test
  void evaluateAgainstACardWithAnotherFigureExits1(@TempDir Path tmp) throws Exception {
    Path wrong =
        Files.writeString(
            tmp.resolve("wrong.json"), "{\"name\": \"linear\", \"test_accuracy\": 0.5}");
    CliRun run = evaluate(linear, "--expect-card", wrong.toString());
    assertEquals(Main.CHECK_FAILED, run.status(), run.all());
    assertTrue(run.out().stream().anyMatch(l -> l.endsWith(": DIFFERENT")), run.all());
  }

  @Test
  void evaluateJsonCarriesTheEvaluation() {
    CliRun run = evaluate(linear, "--json", "--batch", "1000", "--threads", "2");
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(1, run.out().size());
    String json = run.out().get(0);
    assertTrue(json.contains("\"batch\": 1000, \"threads\": 2"), json);
    assertTrue(json.contains("\"evaluation\": {\"count\": 10000, "), json);
    assertTrue(json.contains("\"confusion\": [["), json);
  }

  @Test
  void evaluateWithImagesAndLabelsOfDifferentCountsIsBadInput() {
    String fourLabels = Fixtures.file("ds_labels.idx").toString();
    assertOneErrorLine(
        CliRun.of("evaluate", "--model", linear, "--images", images, "--labels", fourLabels),
        Main.BAD_INPUT,
        ": COUNT_MISMATCH: ");
  }

  @Test
  void evaluateWithTheAlteredModelExits1() {
    assertOneErrorLine(evaluate(altered), Main.CHECK_FAILED, ": GOLDEN_MISMATCH: ");
  }

  // ---- predict -----------------------------------------------------------------------------

  @Test
  void predictPrintsOneLinePerImageWithTheTopThree() {
    String file = Fixtures.file("ok_gzip.idx.gz").toString();
    CliRun run = CliRun.of("predict", "--model", linear, file);
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(3, run.out().size(), run.all());
    for (int i = 0; i < 3; i++) {
      assertTrue(
          run.out()
              .get(i)
              .matches(
                  java.util.regex.Pattern.quote(file + "[" + i + "]: ")
                      + "\\d p=[01]\\.\\d{6} top-3: \\d [01]\\.\\d{6}, \\d [01]\\.\\d{6}, \\d [01]\\.\\d{6}"
                      + "( \\(low confidence: p < 0\\.8\\))?"),
          run.out().get(i));
    }
  }

  @Test
  void predictJsonAndTopK() {
    String file = Fixtures.file("ok_gzip.idx.gz").toString();
    CliRun run = CliRun.of("predict", "--model", linear, "--json", "--top", "2", file);
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(3, run.out().size());
    assertTrue(run.out().get(0).contains("\"index\": 0, \"label\": "), run.all());
    assertEquals(2, run.out().get(0).split("\"probability\"").length - 2, run.out().get(0));
  }

  @Test
  void predictOnFilesThatAreNotImagesIsBadInput() {
    assertOneErrorLine(
        CliRun.of("predict", "--model", linear, Fixtures.file("bad_magic.idx").toString()),
        Main.BAD_INPUT,
        ": BAD_MAGIC: ");
    assertOneErrorLine(
        CliRun.of("predict", "--model", linear, Fixtures.file("ok_ubyte_labels.idx").toString()),
        Main.BAD_INPUT,
        ": BAD_INPUT: expected images of ubyte");
  }

  @Test
  void predictWithTheAlteredModelExits1() {
    assertOneErrorLine(
        CliRun.of("predict", "--model", altered, Fixtures.file("ok_gzip.idx.gz").toString()),
        Main.CHECK_FAILED,
        ": GOLDEN_MISMATCH: ");
  }

  // The model opens on another thread while the first image is read: what is printed, and in what
  // order, is what opening the model first printed.

  @Test
  void predictWithAModelThatCannotBeUsedReportsTheModelAloneEvenBesideABadImage(@TempDir Path tmp)
      throws Exception {
    String model = TestModels.file("corrupt.onnx").toString();
    String notAnImage = Files.writeString(tmp.resolve("x.png"), "not an image").toString();
    CliRun run = CliRun.of("predict", "--model", model, notAnImage);
    assertOneErrorLine(run, Main.BAD_INPUT, "error: " + model + ": ");
    assertEquals(List.of(), run.out());
  }

  @Test
  void predictWarnsAboutTheModelBeforeTheFirstImagesError(@TempDir Path tmp) throws Exception {
    String notAnImage = Files.writeString(tmp.resolve("x.png"), "not an image").toString();
    String idx = Fixtures.file("ok_gzip.idx.gz").toString();
    CliRun run = CliRun.of("predict", "--model", linear, "--provider", "cuda", notAnImage, idx);
    assertEquals(Main.BAD_INPUT, run.status(), run.all());
    assertEquals(2, run.err().size(), run.all());
    assertTrue(run.err().get(0).startsWith("warning: "), run.all());
    assertTrue(run.err().get(1).startsWith("error: " + notAnImage + ": NOT_AN_IMAGE: "), run.all());
    assertEquals(3, run.out().size(), run.all());
  }

  @Test
  void evaluateWithBadDataReportsTheDataNotTheModelNorItsWarning() {
    String fourLabels = Fixtures.file("ds_labels.idx").toString();
    String model = TestModels.file("corrupt.onnx").toString();
    for (String m : List.of(model, linear)) {
      CliRun run =
          CliRun.of(
              "evaluate",
              "--model",
              m,
              "--provider",
              "cuda",
              "--images",
              images,
              "--labels",
              fourLabels);
      assertOneErrorLine(run, Main.BAD_INPUT, ": COUNT_MISMATCH: ");
    }
  }

  // ---- bench-infer -------------------------------------------------------------------------

  @Test
  void benchInferPrintsItsFigures() {
    CliRun run =
        CliRun.of(
            "bench-infer",
            "--model",
            linear,
            "--images",
            Fixtures.file("ok_gzip.idx.gz").toString(),
            "--repeat",
            "2",
            "--warmup",
            "0");
    assertEquals(Main.OK, run.status(), run.all());
    String out = String.join("\n", run.out());
    assertTrue(out.contains("idx read: median "), out);
    assertTrue(out.contains("from uint8 (decode + inference): median "), out);
    assertTrue(out.contains("from float32 (inference only): median "), out);
    assertTrue(out.contains("flops: 15680 per image (card " + card + "): "), out);
    assertTrue(out.contains(" GFLOP/s achieved"), out);
  }

  @Test
  void benchInferJson() {
    CliRun run =
        CliRun.of(
            "bench-infer",
            "--json",
            "--model",
            linear,
            "--images",
            Fixtures.file("ok_gzip.idx.gz").toString(),
            "--repeat",
            "1",
            "--warmup",
            "0");
    assertEquals(Main.OK, run.status(), run.all());
    assertTrue(run.out().get(0).contains("\"count\": 3, \"batch\": 16, \"threads\": 1"), run.all());
    assertTrue(run.out().get(0).contains("\"flops_per_image\": 15680"), run.all());
  }

  @Test
  void benchInferPairedRunsOneRoundPerInputLine() {
    CliRun run =
        CliRun.withInput(
            "go\ngo\ngo\n",
            "bench-infer",
            "--paired",
            "--model",
            linear,
            "--images",
            Fixtures.file("ok_gzip.idx.gz").toString(),
            "--repeat",
            "1",
            "--warmup",
            "0");
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(4, run.out().size(), run.all());
    assertTrue(run.out().get(0).startsWith("{\"ready\": true, \"model\": "), run.all());
    assertTrue(run.out().get(0).contains("\"count\": 3, \"batch\": 16"), run.all());
    for (int i = 0; i < 3; i++) {
      assertTrue(
          run.out()
              .get(i + 1)
              .matches(
                  "\\{\"round\": "
                      + i
                      + ", \"uint8_ms\": [0-9.]+, "
                      + "\"float32_ms\": [0-9.]+\\}"),
          run.all());
    }
  }

  @Test
  void benchInferLimitTimesTheFirstImagesOnly() {
    CliRun run =
        CliRun.of(
            "bench-infer",
            "--json",
            "--limit",
            "2",
            "--model",
            linear,
            "--images",
            Fixtures.file("ok_gzip.idx.gz").toString(),
            "--repeat",
            "1");
    assertEquals(Main.OK, run.status(), run.all());
    assertTrue(run.out().get(0).contains("\"count\": 2, "), run.all());
  }

  @Test
  void benchInferPairedWithoutInputOnlyWarmsUp() {
    CliRun run =
        CliRun.of(
            "bench-infer",
            "--paired",
            "--model",
            linear,
            "--images",
            Fixtures.file("ok_gzip.idx.gz").toString());
    assertEquals(Main.OK, run.status(), run.all());
    assertEquals(1, run.out().size(), run.all());
  }

  @Test
  void benchInferOnABadImageFileIsBadInput() {
    assertOneErrorLine(
        CliRun.of(
            "bench-infer",
            "--model",
            linear,
            "--images",
            Fixtures.file("gzip_bad_crc.gz").toString()),
        Main.BAD_INPUT,
        ": CORRUPT_GZIP: ");
  }

  @Test
  void benchInferOnLabelsInsteadOfImagesIsBadInput() {
    for (String mode : List.of("--json", "--paired")) {
      assertOneErrorLine(
          CliRun.of(
              "bench-infer",
              mode,
              "--limit",
              "1",
              "--model",
              linear,
              "--images",
              Fixtures.file("ok_ubyte_labels.idx").toString()),
          Main.BAD_INPUT,
          ": BAD_INPUT: expected images of ubyte");
    }
  }

  // ---- usage -------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "info",
        "info --model m.onnx extra",
        "info --model m.onnx --batch 0",
        "info --model m.onnx --threads -1",
        "info --model m.onnx --provider tpu",
        "predict --model m.onnx",
        "predict --model m.onnx --top 0 f.idx",
        "evaluate --model m.onnx --images i",
        "evaluate --images i --labels l",
        "bench-infer --model m.onnx",
        "bench-infer --model m.onnx --images i --repeat 0",
        "bench-infer --model m.onnx --images i --warmup x",
        "bench-infer --model m.onnx --images i --limit 0"
      })
  void badUsagePrintsOneUsageLine(String line) {
    CliRun run = CliRun.of(line.split(" "));
    assertEquals(Main.BAD_INPUT, run.status(), run.all());
    assertEquals(List.of(), run.out());
    assertEquals(1, run.err().size(), run.all());
    assertTrue(run.err().get(0).startsWith("usage: digitbridge "), run.all());
  }
}
