package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.idx.IdxWriter;
import io.github.digitbridge.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shapes of IDX images and labels a classifier takes, at their edges, and the BAD_INPUT lines
 * in full; Evaluation's arithmetic where a class has no support.
 */
class InputShapesTest {
  private static DigitClassifier classifier;

  @TempDir static Path dir;

  @BeforeAll
  static void open() throws ModelException {
    classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().verifyGolden(false).build());
  }

  @AfterAll
  static void close() {
    classifier.close();
  }

  private static IdxArray idx(String name, int[] shape, byte[] data) throws Exception {
    Path file = Files.write(dir.resolve(name), IdxWriter.ubyte(shape, data));
    return IdxReader.read(file);
  }

  private static IdxArray images(String name, int... shape) throws Exception {
    return idx(name, shape, new byte[Arrays.stream(shape).reduce(1, (a, b) -> a * b)]);
  }

  @Test
  void imagesAreABatchOrOneImageOfTheContractsSize() throws Exception {
    assertEquals(2, classifier.imageCount(images("batch.idx", 2, 28, 28)));
    assertEquals(1, classifier.imageCount(images("one.idx", 28, 28)));
    int[][] wrong = {{2, 28, 27}, {2, 27, 28}, {28, 27}, {27, 28}, {2, 28, 28, 1}, {784}};
    String[] shown = {
      "[2, 28, 27]", "[2, 27, 28]", "[28, 27]", "[27, 28]", "[2, 28, 28, 1]", "[784]"
    };
    for (int i = 0; i < wrong.length; i++) {
      IdxArray bad = images("bad" + i + ".idx", wrong[i]);
      ModelException e = assertThrows(ModelException.class, () -> classifier.imageCount(bad));
      assertEquals(
          dir.resolve("bad" + i + ".idx")
              + ": BAD_INPUT: expected images of ubyte [N, 28, 28] or [28, 28], found ubyte "
              + shown[i],
          e.getMessage());
    }
  }

  @Test
  void labelsAreOneUbytePerImageInTheModelsClasses() throws Exception {
    IdxArray two = images("two.idx", 2, 28, 28);
    Evaluation ok = Evaluation.of(classifier, two, idx("ok.idx", new int[] {2}, new byte[] {9, 0}));
    assertEquals(2, ok.count());
    assertEquals(
        dir.resolve("rank.idx") + ": BAD_INPUT: expected labels of ubyte [N], found ubyte [2, 1]",
        assertThrows(
                ModelException.class,
                () ->
                    Evaluation.of(classifier, two, idx("rank.idx", new int[] {2, 1}, new byte[2])))
            .getMessage());
    assertEquals(
        dir.resolve("three.idx")
            + ": BAD_INPUT: expected 2 labels, one per image in "
            + dir.resolve("two.idx")
            + ", found 3",
        assertThrows(
                ModelException.class,
                () -> Evaluation.of(classifier, two, idx("three.idx", new int[] {3}, new byte[3])))
            .getMessage());
    assertEquals(
        dir.resolve("ten.idx") + ": BAD_INPUT: expected labels in 0..9, found 10 at index 1",
        assertThrows(
                ModelException.class,
                () ->
                    Evaluation.of(
                        classifier, two, idx("ten.idx", new int[] {2}, new byte[] {9, 10})))
            .getMessage());
    assertEquals(
        dir.resolve("high.idx") + ": BAD_INPUT: expected labels in 0..9, found 255 at index 0",
        assertThrows(
                ModelException.class,
                () ->
                    Evaluation.of(
                        classifier, two, idx("high.idx", new int[] {2}, new byte[] {-1, 0})))
            .getMessage());
  }

  @Test
  void aClassWithoutSupportHasRecallZeroAndNoImagesHaveAccuracyZero() {
    float[] values = {
      0.9f, 0.1f, 0f, //
      0.2f, 0.7f, 0.1f, //
      0.6f, 0.3f, 0.1f
    };
    Evaluation e =
        Evaluation.of(
            new Predictions(FloatBuffer.wrap(values), 3, 3), ByteBuffer.wrap(new byte[] {0, 1, 1}));
    assertEquals(0, e.support(2));
    assertEquals(2, e.support(1));
    assertEquals(0.0, e.recall(2));
    assertEquals(0.5, e.recall(1));
    assertEquals(1.0, e.precision(1));
    assertEquals(0.5, e.precision(0));
    assertEquals(3, e.classes());
    assertEquals("Evaluation[accuracy 66.67% (2/3)]", e.toString());
    Evaluation none =
        Evaluation.of(new Predictions(FloatBuffer.allocate(0), 0, 10), ByteBuffer.allocate(0));
    assertEquals(0.0, none.accuracy());
    assertEquals("0.00% (0/0)", none.accuracyText());
    assertEquals(0, none.misclassified().length);
  }
}
