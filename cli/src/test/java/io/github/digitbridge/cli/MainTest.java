package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.Fixtures.FileRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.Command;

class MainTest {
  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static FileRow row(String name) {
    return Fixtures.manifest().stream()
        .filter(r -> r.file().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no manifest row for " + name));
  }

  @Test
  void theModelArgumentIsFoundBeforeTheCommandLineIsParsed() {
    assertEquals(
        Optional.of(Path.of("m.onnx")),
        Main.modelArgument(new String[] {"predict", "--model", "m.onnx", "x.png"}));
    assertEquals(
        Optional.of(Path.of("a=b.onnx")),
        Main.modelArgument(new String[] {"--debug", "info", "--model=a=b.onnx"}));
    assertEquals(
        Optional.of(Path.of("first.onnx")),
        Main.modelArgument(new String[] {"info", "--model", "first.onnx", "--model=second"}));
    assertEquals(Optional.empty(), Main.modelArgument(new String[] {"predict", "--model"}));
    assertEquals(Optional.empty(), Main.modelArgument(new String[] {"predict", "--models", "m"}));
    assertEquals(Optional.empty(), Main.modelArgument(new String[] {"idx-info", "m.onnx"}));
  }

  @Test
  void idxInfoPrintsTheSpecifiedLine() {
    String file = Fixtures.file("ok_gzip.idx.gz").toString();
    CliRun result = run("idx-info", file);
    assertEquals(Main.OK, result.status());
    assertEquals(
        List.of(file + ": ubyte [3, 28, 28] gzip count=3 sha256=" + row("ok_gzip.idx.gz").sha256()),
        result.out());
    assertEquals(List.of(), result.err());
  }

  @Test
  void idxInfoJsonPrintsOneObjectPerFile() {
    String gz = Fixtures.file("ok_gzip.idx.gz").toString();
    String plain = Fixtures.file("ok_short.idx").toString();
    CliRun result = run("idx-info", "--json", gz, plain);
    assertEquals(Main.OK, result.status());
    assertEquals(
        List.of(
            "{\"file\": \""
                + gz
                + "\", \"type\": \"ubyte\", \"shape\": [3, 28, 28],"
                + " \"gzip\": true, \"count\": 3, \"sha256\": \""
                + row("ok_gzip.idx.gz").sha256()
                + "\"}",
            "{\"file\": \""
                + plain
                + "\", \"type\": \"short\", \"shape\": [2, 2],"
                + " \"gzip\": false, \"count\": 2, \"sha256\": \""
                + row("ok_short.idx").sha256()
                + "\"}"),
        result.out());
  }

  @TestFactory
  Stream<DynamicTest> idxInfoOnEachBadFixturePrintsOneErrorLine() {
    return Fixtures.manifest().stream()
        .filter(r -> !r.ok())
        .map(
            r ->
                dynamicTest(
                    r.file(),
                    () -> {
                      String file = Fixtures.file(r.file()).toString();
                      CliRun result = run("idx-info", file);
                      assertEquals(Main.BAD_INPUT, result.status());
                      assertEquals(List.of(), result.out());
                      assertEquals(
                          1,
                          result.err().size(),
                          () -> "expected one error line, found " + result.err());
                      assertTrue(
                          result
                              .err()
                              .get(0)
                              .startsWith("error: " + file + ": " + r.reason() + ": "),
                          result.err().get(0));
                    }));
  }

  @TestFactory
  Stream<DynamicTest> idxInfoOnEachGoodFixturePrintsItsLine() {
    return Fixtures.manifest().stream()
        .filter(FileRow::ok)
        .map(
            r ->
                dynamicTest(
                    r.file(),
                    () -> {
                      Path path = Fixtures.file(r.file());
                      byte[] bytes = Files.readAllBytes(path);
                      boolean gzip = bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b;
                      String count = r.shape().replaceAll("^\\[(\\d+).*", "$1");
                      CliRun result = run("idx-info", path.toString());
                      assertEquals(Main.OK, result.status());
                      assertEquals(
                          List.of(
                              path
                                  + ": "
                                  + r.type()
                                  + " "
                                  + r.shape()
                                  + (gzip ? " gzip" : "")
                                  + " count="
                                  + count
                                  + " sha256="
                                  + r.sha256()),
                          result.out());
                      assertEquals(List.of(), result.err());
                    }));
  }

  @Test
  void firstBadFileEndsTheRunLikeThePythonInspector() {
    CliRun result =
        run(
            "idx-info",
            Fixtures.file("ok_int.idx").toString(),
            Fixtures.file("bad_magic.idx").toString(),
            Fixtures.file("ok_short.idx").toString());
    assertEquals(Main.BAD_INPUT, result.status());
    assertEquals(1, result.out().size());
    assertTrue(result.out().get(0).contains("ok_int.idx: int [5]"), result.out().get(0));
    assertEquals(1, result.err().size());
    assertTrue(result.err().get(0).contains(": BAD_MAGIC: "), result.err().get(0));
  }

  @Test
  void debugAddsTheStackTrace() {
    CliRun result = run("--debug", "idx-info", Fixtures.file("bad_magic.idx").toString());
    assertEquals(Main.BAD_INPUT, result.status());
    assertTrue(result.err().get(0).startsWith("error: "));
    assertTrue(result.err().size() > 2, "expected a stack trace after the error line");
  }

  @TestFactory
  Stream<DynamicTest> datasetInfoGivesEachDatasetVerdict() {
    return Fixtures.datasets().stream()
        .map(
            r ->
                dynamicTest(
                    r.images() + " + " + r.labels(),
                    () -> {
                      CliRun result =
                          run(
                              "dataset-info",
                              "--images",
                              Fixtures.file(r.images()).toString(),
                              "--labels",
                              Fixtures.file(r.labels()).toString());
                      if (r.ok()) {
                        assertEquals(
                            Main.OK, result.status(), () -> String.join("\n", result.err()));
                        assertTrue(
                            result
                                .out()
                                .contains(
                                    "count=4 classes=0:1 1:1 2:1 3:0 4:0 5:0 6:0 7:1 8:0 9:0"),
                            () -> String.join("\n", result.out()));
                      } else {
                        assertEquals(Main.BAD_INPUT, result.status());
                        assertEquals(1, result.err().size(), () -> String.join("\n", result.err()));
                        assertTrue(
                            result.err().get(0).contains(": " + r.reason() + ": "),
                            result.err().get(0));
                      }
                    }));
  }

  @Test
  void datasetInfoJson() {
    CliRun result =
        run(
            "dataset-info",
            "--json",
            "--images",
            Fixtures.file("ds_images.idx").toString(),
            "--labels=" + Fixtures.file("ds_labels.idx"));
    assertEquals(Main.OK, result.status());
    assertEquals(1, result.out().size());
    assertTrue(
        result
            .out()
            .get(0)
            .contains("\"count\": 4, \"class_counts\": [1, 1, 1, 0, 0, 0, 0, 1, 0, 0]"),
        result.out().get(0));
  }

  @Test
  void benchIdxPrintsBothMediansAndTheirRatio() {
    for (String name : List.of("ok_gzip.idx.gz", "ok_double.idx")) {
      CliRun result = run("bench-idx", Fixtures.file(name).toString(), "--repeat", "3");
      assertEquals(Main.OK, result.status(), () -> String.join("\n", result.err()));
      assertTrue(result.out().stream().anyMatch(l -> l.startsWith("IdxReader.read: median ")));
      assertTrue(result.out().stream().anyMatch(l -> l.contains("baseline: median ")));
      assertTrue(result.out().stream().anyMatch(l -> l.startsWith("ratio: ")));
    }
  }

  @Test
  void benchIdxOnABadFileIsBadInput() {
    CliRun result = run("bench-idx", Fixtures.file("gzip_bad_crc.gz").toString());
    assertEquals(Main.BAD_INPUT, result.status());
    assertEquals(1, result.err().size());
    assertTrue(result.err().get(0).contains(": CORRUPT_GZIP: "));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "nonsense",
        "idx-info",
        "idx-info --bogus x.idx",
        "dataset-info --images a.idx",
        "dataset-info --images a --labels b extra",
        "bench-idx",
        "bench-idx a b",
        "bench-idx a --repeat 0",
        "bench-idx a --repeat many",
        "bench-idx a --repeat"
      })
  void badUsagePrintsOneUsageLine(String line) {
    CliRun result = run(line.isEmpty() ? new String[0] : line.split(" "));
    assertEquals(Main.BAD_INPUT, result.status());
    assertEquals(List.of(), result.out());
    assertEquals(1, result.err().size(), () -> String.join("\n", result.err()));
    assertTrue(result.err().get(0).startsWith("usage: digitbridge "), result.err().get(0));
  }

  @Test
  void helpListsEveryCommand() {
    CliRun result = run("--help");
    assertEquals(Main.OK, result.status());
    String help = String.join("\n", result.out());
    for (String command :
        List.of(
            "idx-info",
            "dataset-info",
            "bench-idx",
            "info",
            "predict",
            "evaluate",
            "bench-infer")) {
      assertTrue(help.contains(command), help);
    }
  }

  @Test
  void aCommandLineThatNamesItsCommandRegistersThatCommandAlone() {
    assertEquals(
        Set.of("predict"),
        Main.commandLine(new String[] {"predict", "--model", "m.onnx", "a.png"})
            .getSubcommands()
            .keySet());
    assertEquals(
        Set.of("evaluate"),
        Main.commandLine(new String[] {"--debug", "evaluate", "--help"}).getSubcommands().keySet());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "--help", "-h", "--debug", "nonsense", "-- predict", "--debug --help"})
  void aCommandLineThatNamesNoCommandRegistersEveryCommandInOrder(String line) {
    String[] args = line.isEmpty() ? new String[0] : line.split(" ");
    assertEquals(
        List.copyOf(Main.COMMANDS.keySet()),
        List.copyOf(Main.commandLine(args).getSubcommands().keySet()));
  }

  @Test
  void eachCommandIsRegisteredUnderTheNameItsAnnotationGives() {
    Main.COMMANDS.forEach(
        (name, type) -> assertEquals(name, type.getAnnotation(Command.class).name(), name));
  }

  @Test
  void aMisspelledCommandGetsTheTopLevelUsageLine() {
    CliRun result = run("predcit", "--model", "m.onnx", "a.png");
    assertEquals(Main.BAD_INPUT, result.status());
    assertEquals(
        List.of(
            "usage: digitbridge [-h] [--debug] COMMAND (Unmatched arguments from index 0: 'predcit',"
                + " '--model', 'm.onnx', 'a.png')"),
        result.err());
  }

  @Test
  void jsonStringsAreEscapedLikePython() {
    assertEquals(
        "{\"s\": \"a\\\"b\\\\c\\n\\t\\u0001\\u00e9\\u007f\"}",
        new Json().field("s", "a\"b\\c\n\t\u0001é\u007f").toString());
  }

  @Test
  void jsonEscapesAreLowerCaseAndPerUtf16UnitLikePython() {
    // json.dumps("\x0b\x1f/\u2028\U0001f600") in Python.
    assertEquals(
        "{\"s\": \"\\u000b\\u001f/\\u2028\\ud83d\\ude00\"}",
        new Json().field("s", "\u000b\u001f/\u2028\ud83d\ude00").toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "idx-info",
        "dataset-info",
        "bench-idx",
        "info",
        "predict",
        "evaluate",
        "bench-infer"
      })
  void helpAfterACommandDescribesThatCommand(String command) {
    for (String help : List.of("--help", "-h")) {
      CliRun result = run(command, help);
      assertEquals(Main.OK, result.status(), result.all());
      assertEquals(List.of(), result.err());
      assertTrue(
          result.out().get(0).startsWith("Usage: digitbridge " + command + " "), result.all());
      assertTrue(result.all().contains("--debug"), result.all());
    }
  }

  @Test
  void debugAfterTheCommandAlsoAddsTheStackTrace() {
    CliRun result = run("idx-info", Fixtures.file("bad_magic.idx").toString(), "--debug");
    assertEquals(Main.BAD_INPUT, result.status());
    assertTrue(result.err().get(0).startsWith("error: "));
    assertTrue(result.err().size() > 2, "expected a stack trace after the error line");
  }

  @Test
  void aUsageLineNamesTheCommandItsOptionsAndTheProblem() {
    CliRun result = run("bench-idx", "a", "--repeat", "0");
    assertEquals(
        List.of(
            "usage: digitbridge bench-idx [-h] [--debug] [--repeat=N] FILE"
                + " (expected --repeat of at least 1, found 0)"),
        result.err());
  }
}
