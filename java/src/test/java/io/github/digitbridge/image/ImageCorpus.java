package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The golden image corpus of tests/data/images, written by {@code python
 * tests/data/make_image_corpus.py}: its manifest and the 28x28 arrays the Python implementation
 * made of each file, which the Java implementation must reproduce byte for byte.
 *
 * <p>The directory comes from the system property {@value #DIR_PROPERTY}, which both builds set; a
 * missing corpus fails the test.
 */
final class ImageCorpus {
  /** The system property naming the corpus directory. */
  static final String DIR_PROPERTY = "digitbridge.images.dir";

  private static final int PIXELS = Preprocessor.SIZE * Preprocessor.SIZE;

  /**
   * One row of manifest.tsv.
   *
   * @param file file name in the corpus directory
   * @param kind {@code digit}, {@code strip} or {@code error}
   * @param expected the label, the number, or the reason code
   * @param first first row of expected-mnist.idx ({@code -1} for errors)
   * @param end end of the rows of expected-mnist.idx (exclusive)
   * @param raw row of expected-raw.idx ({@code -1} for errors)
   * @param identity {@code exact} or {@code jpeg}
   * @param description how the file was made
   */
  record Row(
      String file,
      String kind,
      String expected,
      int first,
      int end,
      int raw,
      String identity,
      String description) {
    Path path() {
      return dir().resolve(file);
    }

    @Override
    public String toString() {
      return file;
    }
  }

  private static List<Row> rows;
  private static byte[] mnist;
  private static byte[] raw;

  private ImageCorpus() {}

  /** The corpus directory; fails the test if the property is unset or the corpus missing. */
  static Path dir() {
    return Fixtures.requireDir(
        DIR_PROPERTY, "manifest.tsv", "image corpus", "python tests/data/make_image_corpus.py");
  }

  /** Every row of the manifest, in order. */
  static synchronized List<Row> rows() {
    if (rows == null) {
      rows = Fixtures.tsv(dir().resolve("manifest.tsv"), 7, ImageCorpus::row);
    }
    return rows;
  }

  /** The rows of one kind. */
  static List<Row> rows(String kind) {
    return rows().stream().filter(r -> r.kind().equals(kind)).toList();
  }

  private static Row row(String[] c) {
    int first = -1;
    int end = -1;
    if (!c[3].equals("-")) {
      String[] span = c[3].split(":");
      first = Integer.parseInt(span[0]);
      end = Integer.parseInt(span[1]);
    }
    int raw = c[4].equals("-") ? -1 : Integer.parseInt(c[4]);
    return new Row(c[0], c[1], c[2], first, end, raw, c[5], c[6]);
  }

  /** Row {@code i} of expected-mnist.idx: 784 bytes. */
  static synchronized byte[] expectedMnist(int i) throws IdxException {
    if (mnist == null) {
      mnist = all(dir().resolve("expected-mnist.idx"));
    }
    return Arrays.copyOfRange(mnist, i * PIXELS, (i + 1) * PIXELS);
  }

  /** Row {@code i} of expected-raw.idx: 784 bytes. */
  static synchronized byte[] expectedRaw(int i) throws IdxException {
    if (raw == null) {
      raw = all(dir().resolve("expected-raw.idx"));
    }
    return Arrays.copyOfRange(raw, i * PIXELS, (i + 1) * PIXELS);
  }

  private static byte[] all(Path file) throws IdxException {
    IdxArray array = IdxReader.read(file);
    assertEquals(3, array.shape().length, file + ": expected ubyte [N, 28, 28]");
    ByteBuffer data = array.data();
    byte[] out = new byte[data.remaining()];
    data.duplicate().get(out);
    return out;
  }

  /** A readable summary of how two 28x28 arrays differ, for assertion messages. */
  static String difference(byte[] expected, byte[] found) {
    int count = 0;
    int worst = 0;
    int where = -1;
    for (int i = 0; i < expected.length; i++) {
      int d = Math.abs((expected[i] & 0xFF) - (found[i] & 0xFF));
      if (d > 0) {
        count++;
        if (d > worst) {
          worst = d;
          where = i;
        }
      }
    }
    return count == 0
        ? "identical"
        : count
            + " pixels differ, the largest by "
            + worst
            + " at row "
            + where / Preprocessor.SIZE
            + ", column "
            + where % Preprocessor.SIZE;
  }
}
