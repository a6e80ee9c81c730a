package io.github.digitbridge.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxWriter;
import io.github.digitbridge.image.DigitImage;
import io.github.digitbridge.image.ImageException;
import io.github.digitbridge.image.Preprocessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code pack SOURCE --out OUTDIR [--segment] [--on-error fail|skip] [--prefix NAME |
 * --test-percent N]}: a folder of label folders ({@code 0/} ... {@code 9/}), a CSV file of {@code
 * file,label} rows or a JSON list of {@code {"file", "label"}} objects becomes the MNIST-format
 * test split {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz} (or the four-file
 * layout, train and test) and its provenance {@code PACK.json}: the twin of Python's {@code data
 * pack}, with the same IDX bytes (docs/idx-format.md, "Packing images").
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "pack")
final class PackCommand extends Subcommand {
  static final String TEST_PREFIX = "t10k";
  static final String TRAIN_PREFIX = "train";
  static final String IMAGES = imagesName(TEST_PREFIX);
  static final String LABELS = labelsName(TEST_PREFIX);
  static final String PROVENANCE = "PACK.json";
  static final String FORMAT = "digitbridge-pack 1";
  static final String LABEL_MISMATCH = "LABEL_MISMATCH";
  // One file-name part: no separators, no leading dot (hidden files, "..").
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String JSON_LIST = "a JSON list of {file, label} objects";

  /** What to do with an image the preprocessing refuses. */
  enum OnError {
    fail,
    skip
  }

  Path source;

  Path out;

  boolean segment;

  OnError onError = OnError.fail;

  String prefix;

  Integer testPercent;

  static String imagesName(String prefix) {
    return prefix + "-images-idx3-ubyte.gz";
  }

  static String labelsName(String prefix) {
    return prefix + "-labels-idx1-ubyte.gz";
  }

  /**
   * Whether the {@code rank}-th packed file (from 0) of a label goes to the test split: integer
   * steps, as Python's {@code pack.in_test_split}, so both languages split alike.
   */
  static boolean inTestSplit(int rank, int percent) {
    return (long) (rank + 1) * percent / 100 > (long) rank * percent / 100;
  }

  /** One source image: its path relative to the base folder ({@code /}-separated) and label. */
  record Entry(String file, String label) {}

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "pack",
            "your labelled images (label folders, a CSV or a JSON list) -> MNIST-format IDX files");
    spec.addPositional(
        Binding.bind(
                PositionalParamSpec.builder()
                    .paramLabel("SOURCE")
                    .required(true)
                    .description("Folder with 0/ ... 9/, or a CSV of file,label."),
                Path.class,
                null,
                () -> source,
                value -> source = value)
            .build());
    spec.addOption(
        Binding.path("--out", "OUTDIR", "Output folder.", () -> out, value -> out = value)
            .required(true)
            .build());
    spec.addOption(
        Binding.flag(
            "--segment",
            "Images are strips; each digit of a label a sample.",
            () -> segment,
            value -> segment = value));
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--on-error")
                    .paramLabel("fail|skip")
                    .description(
                        "A refused image: fail writes nothing (default); skip leaves it out."),
                OnError.class,
                OnError.fail,
                () -> onError,
                value -> onError = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--prefix")
                    .paramLabel("NAME")
                    .description(
                        "Name the two files NAME-images-idx3-ubyte.gz, ... (default t10k)."),
                String.class,
                null,
                () -> prefix,
                value -> prefix = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--test-percent")
                    .paramLabel("N")
                    .description(
                        "The four-file layout: N%% of each label's files in t10k-*, the rest in train-*."),
                Integer.class,
                null,
                () -> testPercent,
                value -> testPercent = value)
            .build());
    return spec;
  }

  @Override
  int run(Console console) throws IdxException {
    String single = prefix == null ? TEST_PREFIX : prefix;
    if (!PREFIX.matcher(single).matches()) {
      throw usage(
          "expected --prefix of letters, digits, '.', '_' or '-' (not first), found '"
              + single
              + "'");
    }
    if (testPercent != null) {
      if (prefix != null) {
        throw usage(
            "expected --prefix or --test-percent, found both: the four files are train-* and"
                + " t10k-*");
      }
      if (testPercent < 1 || testPercent > 99) {
        throw usage("expected --test-percent between 1 and 99, found " + testPercent);
      }
    }
    Path base = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
    List<Entry> entries = collect();
    List<String> prefixes =
        testPercent != null ? List.of(TRAIN_PREFIX, TEST_PREFIX) : List.of(single);
    Map<String, ByteArrayOutputStream> pixels = new HashMap<>();
    Map<String, ByteArrayOutputStream> labels = new HashMap<>();
    for (String p : prefixes) {
      pixels.put(p, new ByteArrayOutputStream());
      labels.put(p, new ByteArrayOutputStream());
    }
    Map<String, Integer> ranks = new HashMap<>();
    List<Json> files = new ArrayList<>();
    List<Json> skipped = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    for (Entry entry : entries) {
      Json record = new Json().field("file", entry.file()).field("label", entry.label());
      byte[] data;
      try {
        data = Preprocessor.read(base.resolve(entry.file()));
      } catch (ImageException e) {
        skip(skipped, refusals, record, entry, e.reason().name(), e.detail());
        continue;
      }
      record.field("sha256", sha256(data));
      List<DigitImage> digits;
      try {
        digits =
            segment
                ? Preprocessor.segment(data, entry.file()).digits()
                : List.of(Preprocessor.preprocess(data, entry.file(), Preprocessor.Mode.MNIST));
      } catch (ImageException e) {
        skip(skipped, refusals, record, entry, e.reason().name(), e.detail());
        continue;
      }
      if (digits.size() != entry.label().length()) {
        String detail =
            "expected "
                + entry.label().length()
                + " digits for label "
                + entry.label()
                + ", found "
                + digits.size();
        skip(skipped, refusals, record, entry, LABEL_MISMATCH, detail);
        continue;
      }
      String split = single;
      if (testPercent != null) {
        int rank = ranks.merge(entry.label(), 1, Integer::sum) - 1;
        split = inTestSplit(rank, testPercent) ? TEST_PREFIX : TRAIN_PREFIX;
        record.field("split", split);
      }
      for (int i = 0; i < digits.size(); i++) {
        pixels.get(split).writeBytes(digits.get(i).pixels());
        labels.get(split).write(entry.label().charAt(i) - '0');
      }
      files.add(record);
    }
    if (!refusals.isEmpty() && onError == OnError.fail) {
      refusals.forEach(line -> console.err().println("refused: " + line));
      console
          .err()
          .println(
              "error: "
                  + source
                  + ": "
                  + refusals.size()
                  + " of "
                  + entries.size()
                  + " files refused, nothing written; fix or remove them, or pass --on-error skip");
      return Main.BAD_INPUT;
    }
    int count = labels.values().stream().mapToInt(ByteArrayOutputStream::size).sum();
    if (count == 0) {
      throw usage(
          source
              + ": expected at least one image that packs, found "
              + entries.size()
              + " files, none usable");
    }
    for (String p : prefixes) {
      if (labels.get(p).size() == 0) {
        throw usage(
            source
                + ": expected samples in both splits at --test-percent "
                + testPercent
                + ", found none for "
                + p
                + " ("
                + files.size()
                + " files packed); change the percentage or add images");
      }
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new IdxException(IdxException.Reason.IO, out, "cannot create the folder: " + e, e);
    }
    Json outputs = new Json();
    Json counts = new Json();
    List<String> written = new ArrayList<>();
    for (String p : prefixes) {
      int n = labels.get(p).size();
      byte[] images =
          IdxWriter.gzip(IdxWriter.ubyte(new int[] {n, 28, 28}, pixels.get(p).toByteArray()));
      byte[] labelBytes =
          IdxWriter.gzip(IdxWriter.ubyte(new int[] {n}, labels.get(p).toByteArray()));
      IdxWriter.writeAtomically(out.resolve(imagesName(p)), images);
      IdxWriter.writeAtomically(out.resolve(labelsName(p)), labelBytes);
      outputs.field(imagesName(p), sha256(images)).field(labelsName(p), sha256(labelBytes));
      counts.field(p, (long) n);
      written.add(imagesName(p));
      written.add(labelsName(p));
    }
    written.add(PROVENANCE);
    Json provenance =
        new Json()
            .field("format", FORMAT)
            .field("source", source.toString())
            .field("mode", "mnist")
            .field("segment", segment)
            .field("on_error", onError.name())
            .field("test_percent", testPercent)
            .field(
                "versions",
                new Json()
                    .field("tool", "digitbridge-cli")
                    .field("java", System.getProperty("java.version")))
            .field("count", count)
            .field("counts", counts)
            .field("outputs", outputs)
            .objects("files", files)
            .objects("skipped", skipped);
    IdxWriter.writeAtomically(
        out.resolve(PROVENANCE), (provenance + "\n").getBytes(StandardCharsets.UTF_8));
    refusals.forEach(line -> console.out().println("skipped: " + line));
    StringBuilder split = new StringBuilder();
    if (prefixes.size() > 1) {
      List<String> parts = new ArrayList<>();
      prefixes.forEach(p -> parts.add(p + " " + labels.get(p).size()));
      split.append(" (").append(String.join(", ", parts)).append(")");
    }
    console
        .out()
        .println(
            "packed "
                + count
                + " samples"
                + split
                + " from "
                + files.size()
                + " files ("
                + skipped.size()
                + " skipped) into "
                + out
                + ": "
                + String.join(", ", written));
    return Main.OK;
  }

  private static void skip(
      List<Json> skipped,
      List<String> refusals,
      Json record,
      Entry entry,
      String reason,
      String detail) {
    skipped.add(record.field("reason", reason).field("detail", detail));
    refusals.add(entry.file() + ": " + reason + ": " + detail);
  }

  /** The images of {@link #source} in packing order: by the UTF-8 bytes of their relative paths. */
  List<Entry> collect() {
    List<Entry> entries = new ArrayList<>();
    try {
      if (Files.isDirectory(source)) {
        for (Path top : list(source)) {
          String label = top.getFileName().toString();
          if (label.startsWith(".")) {
            continue; // .DS_Store, editors' files: not the user's data
          }
          if (!Files.isDirectory(top)) {
            throw usage(
                source
                    + ": expected only label folders (0/ ... 9/), found the file '"
                    + label
                    + "'");
          }
          checkLabel(source + "/" + label, label);
          for (Path item : list(top)) {
            String name = item.getFileName().toString();
            if (name.startsWith(".")) {
              continue;
            }
            if (!Files.isRegularFile(item)) {
              throw usage(
                  source + "/" + label + ": expected image files only, found '" + name + "'");
            }
            entries.add(new Entry(label + "/" + name, label));
          }
        }
      } else if (Files.isRegularFile(source) && source.getFileName().toString().endsWith(".json")) {
        entries.addAll(jsonEntries());
      } else if (Files.isRegularFile(source)) {
        String[] lines = Files.readString(source, StandardCharsets.UTF_8).split("\n", -1);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.length; i++) {
          String line =
              lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
          int number = i + 1;
          if (line.isBlank() || (number == 1 && line.strip().equals("file,label"))) {
            continue;
          }
          // The label is after the last comma, so file names may hold commas; no quoting.
          int comma = line.lastIndexOf(',');
          if (comma <= 0) {
            throw usage(source + ":" + number + ": expected file,label, found '" + line + "'");
          }
          String file = line.substring(0, comma);
          String label = line.substring(comma + 1).strip();
          checkLabel(source + ":" + number, label);
          if (!seen.add(file)) {
            throw usage(source + ":" + number + ": '" + file + "' is listed twice");
          }
          entries.add(new Entry(file, label));
        }
      } else {
        throw usage(
            source
                + ": expected a folder of label folders, a CSV or a JSON list, found nothing there");
      }
    } catch (IOException | UncheckedIOException e) {
      throw usage(source + ": cannot read: " + e);
    }
    entries.sort(
        (a, b) ->
            Arrays.compareUnsigned(
                a.file().getBytes(StandardCharsets.UTF_8),
                b.file().getBytes(StandardCharsets.UTF_8)));
    return entries;
  }

  private List<Entry> jsonEntries() throws IOException {
    JsonNode items;
    try {
      ObjectMapper mapper = new ObjectMapper();
      // Python's side refuses a key given twice as well: the last one does not silently win.
      mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      items = mapper.readTree(Files.readString(source, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw usage(
          source
              + ": expected "
              + JSON_LIST
              + ", found invalid JSON ("
              + e.getOriginalMessage()
              + ")");
    }
    if (items == null || !items.isArray()) {
      throw usage(source + ": expected " + JSON_LIST + ", found " + kind(items));
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String where = source + ": item " + (i + 1);
      JsonNode file = item.isObject() ? item.get("file") : null;
      if (file == null || !file.isTextual() || file.asText().isEmpty()) {
        throw usage(where + ": expected an object with a file name in \"file\", found " + item);
      }
      JsonNode labelNode = item.get("label");
      String label;
      // A label is text ("0042" keeps its zeros) or a whole number; true is not 1, 7.0 is not 7.
      if (labelNode != null && labelNode.isTextual()) {
        label = labelNode.asText();
      } else if (labelNode != null && labelNode.isIntegralNumber()) {
        label = labelNode.bigIntegerValue().toString();
      } else {
        throw usage(where + ": expected a label as a string or a whole number, found " + labelNode);
      }
      checkLabel(where, label);
      if (!seen.add(file.asText())) {
        throw usage(where + ": '" + file.asText() + "' is listed twice");
      }
      entries.add(new Entry(file.asText(), label));
    }
    return entries;
  }

  private static String kind(JsonNode node) {
    if (node == null || node.isNull()) {
      return "null";
    }
    if (node.isObject()) {
      return "an object";
    }
    if (node.isTextual()) {
      return "a string";
    }
    return node.isBoolean() ? "true or false" : "a number";
  }

  private void checkLabel(String where, String label) {
    boolean digits = label.matches("[0-9]+");
    if (!digits || (!segment && label.length() != 1)) {
      String expected = segment ? "a number" : "one digit 0-9 (a number needs --segment)";
      throw usage(where + ": expected a label of " + expected + ", found '" + label + "'");
    }
  }

  private static List<Path> list(Path folder) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
      stream.forEach(paths::add);
    }
    return paths;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
