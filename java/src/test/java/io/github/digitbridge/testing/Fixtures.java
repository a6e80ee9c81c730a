package io.github.digitbridge.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The shared IDX fixtures of tests/data/idx and their two manifests.
 *
 * <p>The directory comes from the system property {@value #DIR_PROPERTY}, which both builds set. A
 * missing directory fails the calling test: the fixtures are the contract with the Python reader,
 * so running without them must not look like a pass.
 */
public final class Fixtures {
  /** The system property naming the fixture directory. */
  public static final String DIR_PROPERTY = "digitbridge.fixtures.dir";

  /** The verdict manifest.tsv gives a valid file. */
  public static final String OK = "OK";

  /**
   * One row of manifest.tsv.
   *
   * @param file file name inside the fixture directory
   * @param reason {@value #OK} or a reason code
   * @param type type name for valid files, "-" otherwise
   * @param shape shape such as {@code [2, 3, 4]} for valid files, "-" otherwise
   * @param sha256 checksum for valid files, "-" otherwise
   */
  public record FileRow(String file, String reason, String type, String shape, String sha256) {
    /** Whether the file is valid. */
    public boolean ok() {
      return OK.equals(reason);
    }
  }

  /**
   * One row of datasets.tsv.
   *
   * @param images image file name
   * @param labels label file name
   * @param reason {@value #OK} or a reason code
   */
  public record DatasetRow(String images, String labels, String reason) {
    /** Whether the pair is a valid dataset. */
    public boolean ok() {
      return OK.equals(reason);
    }
  }

  private Fixtures() {}

  /**
   * A directory named by a system property that the builds set; fails the test if it is unset.
   *
   * @param name the property name
   */
  public static Path pathProperty(String name) {
    String property = System.getProperty(name);
    assertNotNull(
        property,
        "system property " + name + " is not set; run the tests through the Maven or Gradle build");
    return Path.of(property);
  }

  /**
   * A generated test-data directory named by a system property; fails the test if the property is
   * unset or the directory lacks its marker file, saying how to generate it.
   *
   * @param property the property name
   * @param marker a file the generator always writes into the directory
   * @param what what the directory holds, for the message, e.g. {@code IDX fixtures}
   * @param command the command that generates it, run from the repository root
   */
  public static Path requireDir(String property, String marker, String what, String command) {
    Path dir = pathProperty(property);
    assertTrue(
        Files.isRegularFile(dir.resolve(marker)),
        "no " + what + " at " + dir + ": run `" + command + "` from the repository root");
    return dir;
  }

  /** The fixture directory; fails the test if the property is unset or the directory is missing. */
  public static Path dir() {
    return requireDir(
        DIR_PROPERTY, "manifest.tsv", "IDX fixtures", "python3 tests/data/make_idx_fixtures.py");
  }

  /** A fixture file by name. */
  public static Path file(String name) {
    return dir().resolve(name);
  }

  /** The rows of manifest.tsv. */
  public static List<FileRow> manifest() {
    return tsv(file("manifest.tsv"), 5, c -> new FileRow(c[0], c[1], c[2], c[3], c[4]));
  }

  /** The rows of datasets.tsv. */
  public static List<DatasetRow> datasets() {
    return tsv(file("datasets.tsv"), 3, c -> new DatasetRow(c[0], c[1], c[2]));
  }

  /**
   * The rows of a tab-separated manifest, skipping blank lines and {@code #} comments; fails the
   * test if a row has other than {@code columns} cells.
   *
   * @param file the manifest, UTF-8
   * @param columns the number of cells in every row
   * @param row makes one row of its cells
   */
  public static <T> List<T> tsv(Path file, int columns, Function<String[], T> row) {
    String name = file.getFileName().toString();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines.stream()
        .filter(line -> !line.isBlank() && !line.startsWith("#"))
        .map(
            line -> {
              String[] cells = line.split("\t", -1);
              assertEquals(
                  columns,
                  cells.length,
                  () ->
                      name
                          + ": expected "
                          + columns
                          + " tab-separated columns, found "
                          + cells.length
                          + " in: "
                          + line);
              return row.apply(cells);
            })
        .toList();
  }
}
