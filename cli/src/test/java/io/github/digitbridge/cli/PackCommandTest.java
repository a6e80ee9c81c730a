package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.testing.Fixtures;
import io.github.digitbridge.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pack} on label folders and a CSV made from the image corpus (tests/data/images). */
class PackCommandTest {
  @TempDir Path tmp;

  private static Path corpus() {
    return Fixtures.requireDir(
        "digitbridge.images.dir",
        "manifest.tsv",
        "image corpus",
        "python tests/data/make_image_corpus.py");
  }

  /**
   * Every digit of the corpus in its label folder, plus a truncated PNG in 3/; the labels in order.
   */
  private byte[] labelFolders(Path source) throws Exception {
    List<String[]> digits = new ArrayList<>();
    for (String line : Files.readAllLines(corpus().resolve("manifest.tsv"))) {
      String[] row = line.split("\t");
      if (!line.startsWith("#") && row.length > 2 && row[1].equals("digit")) {
        Files.createDirectories(source.resolve(row[2]));
        Files.copy(corpus().resolve(row[0]), source.resolve(row[2]).resolve(row[0]));
        digits.add(new String[] {row[2] + "/" + row[0], row[2]});
      }
    }
    Files.copy(corpus().resolve("bad-truncated.png"), source.resolve("3/bad-truncated.png"));
    digits.sort((a, b) -> a[0].compareTo(b[0])); // ASCII names: UTF-8 order is String order
    byte[] labels = new byte[digits.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) Integer.parseInt(digits.get(i)[1]);
    }
    return labels;
  }

  @Test
  void refusesTheBadFileByDefaultAndSkipsItOnRequest() throws Exception {
    Path source = tmp.resolve("mine");
    byte[] labels = labelFolders(source);
    Path out = tmp.resolve("out");

    CliRun refused = CliRun.of("pack", source.toString(), "--out", out.toString());
    assertEquals(Main.BAD_INPUT, refused.status(), refused.all());
    assertTrue(refused.err().get(0).startsWith("refused: 3/bad-truncated.png: TRUNCATED: "));
    assertFalse(Files.exists(out));

    CliRun packed =
        CliRun.of("pack", source.toString(), "--out", out.toString(), "--on-error", "skip");
    assertEquals(Main.OK, packed.status(), packed.all());
    assertTrue(packed.out().get(0).startsWith("skipped: 3/bad-truncated.png: TRUNCATED: "));
    IdxArray images = IdxReader.read(out.resolve(PackCommand.IMAGES));
    IdxArray read = IdxReader.read(out.resolve(PackCommand.LABELS));
    assertArrayEquals(new int[] {labels.length, 28, 28}, images.shape());
    byte[] found = new byte[labels.length];
    read.data().get(found);
    assertArrayEquals(labels, found);
    String record = Files.readString(out.resolve(PackCommand.PROVENANCE));
    assertTrue(record.contains("\"reason\": \"TRUNCATED\""), record);
  }

  @Test
  void segmentsStripsListedInACsv() throws Exception {
    for (String name : List.of("strip-17.png", "strip-2024.png")) {
      Files.copy(corpus().resolve(name), tmp.resolve(name));
    }
    Path csv =
        Files.writeString(
            tmp.resolve("l.csv"), "file,label\nstrip-2024.png,2024\nstrip-17.png,17\n");
    Path out = tmp.resolve("out");
    CliRun run = CliRun.of("pack", csv.toString(), "--out", out.toString(), "--segment");
    assertEquals(Main.OK, run.status(), run.all());
    byte[] found = new byte[6];
    IdxReader.read(out.resolve(PackCommand.LABELS)).data().get(found);
    assertEquals("[1, 7, 2, 0, 2, 4]", Arrays.toString(found));
  }

  @Test
  void aSourceThatIsNotLabelFoldersIsBadUsage() throws Exception {
    Files.createDirectories(tmp.resolve("src/seven"));
    CliRun run =
        CliRun.of("pack", tmp.resolve("src").toString(), "--out", tmp.resolve("o").toString());
    assertEquals(Main.BAD_INPUT, run.status(), run.all());
    assertTrue(run.err().get(0).contains("expected a label of one digit 0-9"), run.all());
  }

  @Test
  void evaluateTakesAPackedFolderAndLeavesTheCardUncompared() throws Exception {
    Path source = tmp.resolve("mine");
    byte[] labels = labelFolders(source);
    Path out = tmp.resolve("out");
    assertEquals(
        Main.OK,
        CliRun.of("pack", source.toString(), "--out", out.toString(), "--on-error", "skip")
            .status());
    String model = TestModels.linear().toString();
    String card = TestModels.file("linear.json").toString();

    CliRun run =
        CliRun.of("evaluate", "--model", model, "--data", out.toString(), "--expect-card", card);
    assertEquals(Main.OK, run.status(), run.all());
    assertTrue(run.out().get(0).contains(labels.length + " images from " + out), run.all());
    assertTrue(run.out().get(1).startsWith("accuracy "), run.all());
    assertTrue(run.out().get(2).startsWith("card " + card + ": not compared: "), run.all());

    CliRun json = CliRun.of("evaluate", "--model", model, "--data", out.toString(), "--json");
    assertTrue(json.out().get(0).contains("\"packed\": true"), json.all());
  }

  @Test
  void evaluateOnMnistByFolderComparesTheCardAsByFiles() throws Exception {
    String model = TestModels.linear().toString();
    String card = TestModels.file("linear.json").toString();
    Path mnist = TestModels.mnistTestImages().getParent();
    CliRun run =
        CliRun.of("evaluate", "--model", model, "--data", mnist.toString(), "--expect-card", card);
    assertEquals(Main.OK, run.status(), run.all());
    assertTrue(run.out().get(2).endsWith(": equal"), run.all());
  }

  @Test
  void evaluateWantsEitherAFolderOrBothFiles() {
    String model = TestModels.linear().toString();
    CliRun both =
        CliRun.of("evaluate", "--model", model, "--data", "x", "--images", "a", "--labels", "b");
    assertEquals(Main.BAD_INPUT, both.status(), both.all());
    CliRun half = CliRun.of("evaluate", "--model", model, "--images", "a");
    assertEquals(Main.BAD_INPUT, half.status(), half.all());
    CliRun none = CliRun.of("evaluate", "--model", model);
    assertEquals(Main.BAD_INPUT, none.status(), none.all());
  }

  @Test
  void theTestSplitTakesEachLabelsShareInEvenSteps() {
    for (int percent : new int[] {1, 10, 20, 33, 50, 99}) {
      for (int n : new int[] {1, 7, 100, 1003}) {
        int chosen = 0;
        for (int rank = 0; rank < n; rank++) {
          chosen += PackCommand.inTestSplit(rank, percent) ? 1 : 0;
        }
        assertEquals(n * percent / 100, chosen, percent + "% of " + n);
      }
    }
    List<Integer> fifth = new ArrayList<>();
    for (int rank = 0; rank < 10; rank++) {
      if (PackCommand.inTestSplit(rank, 20)) {
        fifth.add(rank);
      }
    }
    assertEquals(List.of(4, 9), fifth);
  }

  @Test
  void testPercentWritesTrainAndTestWithEveryImageOnce() throws Exception {
    Path source = tmp.resolve("mine");
    byte[] labels = labelFolders(source);
    Path out = tmp.resolve("out");
    CliRun run =
        CliRun.of(
            "pack",
            source.toString(),
            "--out",
            out.toString(),
            "--on-error",
            "skip",
            "--test-percent",
            "50");
    assertEquals(Main.OK, run.status(), run.all());
    int train = IdxReader.read(out.resolve("train-labels-idx1-ubyte.gz")).shape()[0];
    int test = IdxReader.read(out.resolve(PackCommand.LABELS)).shape()[0];
    assertEquals(labels.length, train + test);
    assertTrue(test > 0 && train >= test, train + " / " + test);
    String record = Files.readString(out.resolve(PackCommand.PROVENANCE));
    assertTrue(record.contains("\"test_percent\": 50"), record);
    assertTrue(record.contains("\"split\": \"train\""), record);
  }

  @Test
  void aJsonListTakesTextOrWholeNumberLabels() throws Exception {
    for (String name : List.of("strip-17.png", "strip-2024.png")) {
      Files.copy(corpus().resolve(name), tmp.resolve(name));
    }
    Path list =
        Files.writeString(
            tmp.resolve("l.json"),
            "[{\"file\": \"strip-2024.png\", \"label\": \"2024\"},"
                + " {\"file\": \"strip-17.png\", \"label\": 17, \"writer\": \"me\"}]");
    Path out = tmp.resolve("out");
    CliRun run =
        CliRun.of(
            "pack", list.toString(), "--out", out.toString(), "--segment", "--prefix", "mine");
    assertEquals(Main.OK, run.status(), run.all());
    byte[] found = new byte[6];
    IdxReader.read(out.resolve("mine-labels-idx1-ubyte.gz")).data().get(found);
    assertEquals("[1, 7, 2, 0, 2, 4]", Arrays.toString(found));
  }

  @Test
  void aBadJsonListOrLayoutIsOneUsageLineAndNothingWritten() throws Exception {
    String[][] cases = {
      {"{\"file\": \"a.png\"}", "expected a JSON list of {file, label} objects, found an object"},
      {
        "[{\"file\": \"a.png\", \"label\": 7.0}]",
        "item 1: expected a label as a string or a whole number, found 7.0"
      },
      {
        "[{\"file\": \"a.png\", \"label\": true}]",
        "item 1: expected a label as a string or a whole number, found true"
      },
      {
        "[{\"label\": 1}]",
        "item 1: expected an object with a file name in \"file\", found {\"label\":1}"
      },
      {
        "[{\"file\": \"a\", \"label\": 1}, {\"file\": \"a\", \"label\": 2}]",
        "item 2: 'a' is listed twice"
      },
      {
        "[{\"file\": \"a\", \"file\": \"b\", \"label\": 1}]",
        "found invalid JSON (Duplicate field 'file')"
      },
    };
    Path list = tmp.resolve("l.json");
    Path out = tmp.resolve("out");
    for (String[] c : cases) {
      Files.writeString(list, c[0]);
      CliRun run = CliRun.of("pack", list.toString(), "--out", out.toString());
      assertEquals(Main.BAD_INPUT, run.status(), run.all());
      assertTrue(run.err().get(0).contains(c[1]), c[1] + " in " + run.all());
    }
    Path source = tmp.resolve("mine");
    labelFolders(source);
    for (String[] bad :
        new String[][] {
          {"--test-percent", "0"},
          {"--test-percent", "100"},
          {"--prefix", "../up"},
          {"--prefix", "mine", "--test-percent", "20"}
        }) {
      List<String> args =
          new ArrayList<>(List.of("pack", source.toString(), "--out", out.toString()));
      args.addAll(List.of(bad));
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(Main.BAD_INPUT, run.status(), run.all());
    }
    assertFalse(Files.exists(out));
  }
}
