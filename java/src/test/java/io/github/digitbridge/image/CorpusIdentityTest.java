package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The cross-language identity test: on every file of the golden corpus, the Java implementation
 * produces exactly the 28x28 bytes the Python implementation stored (JPEG included: the bound of
 * docs/preprocessing.md is 0 and is held here), segments the strips into as many digits, and
 * refuses the bad inputs with the same reason code.
 */
class CorpusIdentityTest {
  @Test
  void theCorpusHasEveryKindOfCase() {
    assertTrue(ImageCorpus.rows("digit").size() >= 150, "expected at least 150 digit images");
    assertTrue(ImageCorpus.rows("strip").size() >= 5, "expected at least 5 strips");
    List<String> reasons =
        ImageCorpus.rows("error").stream().map(ImageCorpus.Row::expected).distinct().toList();
    for (ImageException.Reason reason :
        List.of(
            ImageException.Reason.NOT_AN_IMAGE,
            ImageException.Reason.EMPTY_FILE,
            ImageException.Reason.TRUNCATED,
            ImageException.Reason.CORRUPT,
            ImageException.Reason.TOO_LARGE,
            ImageException.Reason.UNSUPPORTED,
            ImageException.Reason.NO_INK)) {
      assertTrue(reasons.contains(reason.name()), "no bad input with reason " + reason);
    }
  }

  @TestFactory
  Stream<DynamicTest> digitsMatchPythonByteForByteInBothModes() {
    return ImageCorpus.rows("digit").stream()
        .map(
            row ->
                DynamicTest.dynamicTest(
                    row.file() + " (" + row.description() + ")",
                    () -> {
                      byte[] mnist =
                          Preprocessor.preprocess(row.path(), Preprocessor.Mode.MNIST).pixels();
                      byte[] expected = ImageCorpus.expectedMnist(row.first());
                      assertArrayEquals(
                          expected,
                          mnist,
                          () -> "mnist: " + ImageCorpus.difference(expected, mnist));
                      byte[] raw =
                          Preprocessor.preprocess(row.path(), Preprocessor.Mode.RAW).pixels();
                      byte[] expectedRaw = ImageCorpus.expectedRaw(row.raw());
                      assertArrayEquals(
                          expectedRaw,
                          raw,
                          () -> "raw: " + ImageCorpus.difference(expectedRaw, raw));
                    }));
  }

  @TestFactory
  Stream<DynamicTest> stripsSegmentLikePython() {
    return ImageCorpus.rows("strip").stream()
        .map(
            row ->
                DynamicTest.dynamicTest(
                    row.file() + " -> " + row.expected(),
                    () -> {
                      Segmentation segmentation = Preprocessor.segment(row.path());
                      assertEquals(
                          row.expected().length(),
                          segmentation.digits().size(),
                          "expected one digit per character of " + row.expected());
                      assertEquals(row.end() - row.first(), segmentation.digits().size());
                      int left = -1;
                      for (int i = 0; i < segmentation.digits().size(); i++) {
                        DigitImage digit = segmentation.digits().get(i);
                        byte[] expected = ImageCorpus.expectedMnist(row.first() + i);
                        byte[] found = digit.pixels();
                        int index = i;
                        assertArrayEquals(
                            expected,
                            found,
                            () ->
                                "digit " + index + ": " + ImageCorpus.difference(expected, found));
                        assertTrue(digit.box().x() > left, "digits must come left to right");
                        left = digit.box().x();
                      }
                      byte[] raw =
                          Preprocessor.preprocess(row.path(), Preprocessor.Mode.RAW).pixels();
                      assertArrayEquals(ImageCorpus.expectedRaw(row.raw()), raw);
                    }));
  }

  @TestFactory
  Stream<DynamicTest> badInputsAreRefusedWithTheirReason() {
    return ImageCorpus.rows("error").stream()
        .map(
            row ->
                DynamicTest.dynamicTest(
                    row.file() + " -> " + row.expected(),
                    () -> {
                      for (Preprocessor.Mode mode : Preprocessor.Mode.values()) {
                        if (mode == Preprocessor.Mode.RAW && row.expected().equals("NO_INK")) {
                          continue; // raw mode looks for no digit, so it cannot miss one
                        }
                        ImageException e =
                            assertThrows(
                                ImageException.class,
                                () -> Preprocessor.preprocess(row.path(), mode));
                        assertEquals(row.expected(), e.reason().name(), e.getMessage());
                        assertEquals(row.path().toString(), e.subject());
                        assertTrue(
                            e.getMessage().startsWith(row.path() + ": " + row.expected() + ": "),
                            e.getMessage());
                        assertTrue(e.detail().contains("expected"), e.getMessage());
                      }
                      ImageException seg =
                          assertThrows(
                              ImageException.class, () -> Preprocessor.segment(row.path()));
                      assertEquals(row.expected(), seg.reason().name());
                      byte[] bytes = Files.readAllBytes(row.path());
                      ImageException fromBytes =
                          assertThrows(
                              ImageException.class,
                              () -> Preprocessor.preprocess(bytes, "mem", Preprocessor.Mode.MNIST));
                      assertEquals(row.expected(), fromBytes.reason().name());
                    }));
  }

  /** The detail of each bad input in full: the line the user reads, with its numbers. */
  private static final Map<String, String> DETAILS =
      Map.ofEntries(
          Map.entry(
              "bad-bad-crc.png",
              "expected the CRC of the IDAT chunk at byte 33 to match, found it does not"),
          Map.entry(
              "bad-cmyk.jpg",
              "expected 8-bit samples with 1 or 3 components, found 8-bit, 4 components"),
          Map.entry("bad-empty.png", "expected an image, found an empty file (0 bytes)"),
          Map.entry(
              "bad-enormous.bmp",
              "expected at most 16777216 pixels, found 50000 x 50000 = 2500000000"),
          Map.entry(
              "bad-enormous.gif",
              "expected at most 16777216 pixels, found 60000 x 60000 = 3600000000"),
          Map.entry(
              "bad-enormous.png",
              "expected at most 16777216 pixels, found 50000 x 50000 = 2500000000"),
          Map.entry(
              "bad-faint.png",
              "no digit found: expected strokes at least 32 grey levels darker than the page, found"
                  + " a page of grey level 250 (0 is black, 255 white) whose darkest pixel is only 14"
                  + " levels darker"),
          // the decoder's own message and its cause's, which the JDK and zlib word
          Map.entry(
              "bad-garbage-idat.png",
              "expected PNG data the decoder accepts, found: Error reading PNG image data"
                  + " (incorrect header check)"),
          Map.entry(
              "bad-lzw-code.gif",
              "expected LZW codes defined so far (below 1096), found 1844 after 21778 pixels"),
          Map.entry("bad-lzw-short.gif", "expected 21868 pixels from the LZW data, found 21779"),
          Map.entry(
              "bad-no-ink.png",
              "no digit found: expected strokes at least 32 grey levels darker or lighter than the"
                  + " page, found a blank page (every pixel grey level 255; 0 is black, 255 white)"),
          Map.entry(
              "bad-not-an-image.png",
              "expected a PNG, JPEG, GIF or BMP signature, found bytes 64 69 67 69 74 2c 6c 61"),
          Map.entry(
              "bad-truncated.bmp",
              "expected the pixel rows (8568 bytes at byte 54), found 8518 bytes"),
          Map.entry(
              "bad-truncated.gif",
              "expected a data sub-block (255 bytes at byte 329), found 225 bytes"),
          Map.entry(
              "bad-truncated.jpg", "expected the end-of-image marker (FF D9), found the file ends"),
          Map.entry(
              "bad-truncated.png",
              "expected the IDAT chunk's data and CRC (1223 bytes at byte 41), found 597 bytes"));

  @Test
  void badInputsAreRefusedWithTheirWholeLine() {
    List<ImageCorpus.Row> rows = ImageCorpus.rows("error");
    assertEquals(
        DETAILS.keySet(), rows.stream().map(ImageCorpus.Row::file).collect(Collectors.toSet()));
    for (ImageCorpus.Row row : rows) {
      ImageException e =
          assertThrows(
              ImageException.class,
              () -> Preprocessor.preprocess(row.path(), Preprocessor.Mode.MNIST));
      String expected = DETAILS.get(row.file());
      assertEquals(expected, e.detail(), row.file());
      assertEquals(row.path() + ": " + row.expected() + ": " + e.detail(), e.getMessage());
    }
  }

  @Test
  void rawModeOfAnImageWithoutInkStillGivesItsPixels() throws Exception {
    DigitImage blank =
        Preprocessor.preprocess(ImageCorpus.dir().resolve("bad-no-ink.png"), Preprocessor.Mode.RAW);
    for (byte v : blank.pixels()) {
      assertEquals(255, v & 0xFF);
    }
  }
}
