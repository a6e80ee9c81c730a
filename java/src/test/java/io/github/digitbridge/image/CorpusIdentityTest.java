package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
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

  @Test
  void rawModeOfAnImageWithoutInkStillGivesItsPixels() throws Exception {
    DigitImage blank =
        Preprocessor.preprocess(ImageCorpus.dir().resolve("bad-no-ink.png"), Preprocessor.Mode.RAW);
    for (byte v : blank.pixels()) {
      assertEquals(255, v & 0xFF);
    }
  }
}
