package io.github.digitbridge.cli;

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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pack SOURCE --out OUTDIR [--segment] [--on-error fail|skip]}: a folder of label folders
 * ({@code 0/} ... {@code 9/}) or a CSV file of {@code file,label} rows becomes the MNIST-format
 * test split {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz} and its
 * provenance {@code PACK.json}: the twin of Python's {@code data pack}, with the same IDX bytes
 * (docs/idx-format.md, "Packing images").
 */
@Command(
    name = "pack",
    description = "your labelled images (label folders or a CSV) -> MNIST-format IDX files")
final class PackCommand extends Subcommand {
  static final String IMAGES = "t10k-images-idx3-ubyte.gz";
  static final String LABELS = "t10k-labels-idx1-ubyte.gz";
  static final String PROVENANCE = "PACK.json";
  static final String FORMAT = "digitbridge-pack 1";
  static final String LABEL_MISMATCH = "LABEL_MISMATCH";

  /** What to do with an image the preprocessing refuses. */
  enum OnError {
    fail,
    skip
  }

  @Parameters(paramLabel = "SOURCE", description = "Folder with 0/ ... 9/, or a CSV of file,label.")
  Path source;

  @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "Output folder.")
  Path out;

  @Option(names = "--segment", description = "Images are strips; each digit of a label a sample.")
  boolean segment;

  @Option(
      names = "--on-error",
      paramLabel = "fail|skip",
      description = "A refused image: fail writes nothing (default); skip leaves it out.")
  OnError onError = OnError.fail;

  /** One source image: its path relative to the base folder ({@code /}-separated) and label. */
  record Entry(String file, String label) {}

  @Override
  int run(Console console) throws IdxException {
    Path base = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
    List<Entry> entries = collect();
    ByteArrayOutputStream pixels = new ByteArrayOutputStream();
    ByteArrayOutputStream labels = new ByteArrayOutputStream();
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
      for (int i = 0; i < digits.size(); i++) {
        pixels.writeBytes(digits.get(i).pixels());
        labels.write(entry.label().charAt(i) - '0');
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
    int count = labels.size();
    if (count == 0) {
      throw usage(
          source
              + ": expected at least one image that packs, found "
              + entries.size()
              + " files, none usable");
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new IdxException(IdxException.Reason.IO, out, "cannot create the folder: " + e, e);
    }
    byte[] images =
        IdxWriter.gzip(IdxWriter.ubyte(new int[] {count, 28, 28}, pixels.toByteArray()));
    byte[] labelBytes = IdxWriter.gzip(IdxWriter.ubyte(new int[] {count}, labels.toByteArray()));
    IdxWriter.writeAtomically(out.resolve(IMAGES), images);
    IdxWriter.writeAtomically(out.resolve(LABELS), labelBytes);
    Json provenance =
        new Json()
            .field("format", FORMAT)
            .field("source", source.toString())
            .field("mode", "mnist")
            .field("segment", segment)
            .field("on_error", onError.name())
            .field(
                "versions",
                new Json()
                    .field("tool", "digitbridge-cli")
                    .field("java", System.getProperty("java.version")))
            .field("count", count)
            .field(
                "outputs",
                new Json().field(IMAGES, sha256(images)).field(LABELS, sha256(labelBytes)))
            .objects("files", files)
            .objects("skipped", skipped);
    IdxWriter.writeAtomically(
        out.resolve(PROVENANCE), (provenance + "\n").getBytes(StandardCharsets.UTF_8));
    refusals.forEach(line -> console.out().println("skipped: " + line));
    console
        .out()
        .println(
            "packed "
                + count
                + " samples from "
                + files.size()
                + " files ("
                + skipped.size()
                + " skipped) into "
                + out
                + ": "
                + IMAGES
                + ", "
                + LABELS
                + ", "
                + PROVENANCE);
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
            source + ": expected a folder of label folders or a CSV file, found nothing there");
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
