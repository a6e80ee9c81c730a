package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The public argument and bounds checks, each with its whole message, at and just past its edge.
 */
class ArgumentChecksTest {
  private static DigitClassifier classifier;

  @BeforeAll
  static void open() throws ModelException {
    classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().verifyGolden(false).build());
  }

  @AfterAll
  static void close() {
    classifier.close();
  }

  private static void refused(
      Class<? extends RuntimeException> type, String message, Executable call) {
    assertEquals(message, assertThrows(type, call).getMessage());
  }

  @Test
  void predictWantsEnoughInputForTheCount() throws ModelException {
    FloatBuffer floats = FloatBuffer.allocate(2 * 784 - 1);
    refused(
        IllegalArgumentException.class,
        "expected 1568 floats for 2 images of 784, found 1567",
        () -> classifier.predict(floats, 2));
    assertEquals(1, classifier.predict(floats, 1).count());
    FloatBuffer direct =
        ByteBuffer.allocateDirect(4 * 784).order(ByteOrder.nativeOrder()).asFloatBuffer();
    assertEquals(1, classifier.predict(direct, 1).count());
    refused(
        IllegalArgumentException.class,
        "expected a count >= 0, found -1",
        () -> classifier.predict(floats, -1));
    refused(
        IllegalArgumentException.class,
        "expected 784 floats for 1 images of 784, found 783",
        () -> classifier.predict(new float[783], 1));
    ByteBuffer bytes = ByteBuffer.allocate(784 + 10).position(11);
    refused(
        IllegalArgumentException.class,
        "expected 784 uint8 pixels for 1 images of 784, found 783",
        () -> classifier.predict(bytes, 1));
    assertEquals(0, classifier.predict(bytes, 0).count());
  }

  @Test
  void predictOneWantsExactlyOneImage() throws ModelException {
    refused(
        IllegalArgumentException.class,
        "expected one image of 784 pixels, found 785",
        () -> classifier.predictOne(new byte[785]));
    refused(
        IllegalArgumentException.class,
        "expected one image of 784 pixels, found 783",
        () -> classifier.predictOne(new float[783]));
    assertEquals(
        classifier.predictOne(new byte[784]).label(),
        classifier.predictOne(new float[784]).label());
  }

  @Test
  void preprocessWantsEnoughPixelsAndScalesThem() {
    ByteBuffer bytes = ByteBuffer.allocate(2 * 784);
    bytes.put(784, (byte) 255).put(785, (byte) 51);
    refused(
        IllegalArgumentException.class,
        "expected 2352 uint8 pixels for 3 images of 784, found 1568",
        () -> classifier.preprocess(bytes, 3));
    FloatBuffer scaled = classifier.preprocess(bytes, 2);
    assertEquals(2 * 784, scaled.remaining());
    assertEquals(1.0f, scaled.get(784));
    assertEquals(51 / 255.0f, scaled.get(785));
    assertEquals(0.0f, scaled.get(0));
  }

  @Test
  void predictionsCheckTheirBounds() {
    float[] values = new float[2 * 10];
    values[3] = 0.5f;
    values[10 + 7] = 0.75f;
    Predictions p = new Predictions(FloatBuffer.wrap(values), 2, 10);
    assertEquals(3, p.label(0));
    assertEquals(7, p.label(1));
    assertEquals(0.75f, p.probability(1, 7));
    assertEquals("Predictions[2 images x 10 classes]", p.toString());
    refused(
        IndexOutOfBoundsException.class, "expected an image in 0..1, found 2", () -> p.label(2));
    refused(
        IndexOutOfBoundsException.class, "expected an image in 0..1, found -1", () -> p.get(-1, 1));
    refused(
        IndexOutOfBoundsException.class,
        "expected a class in 0..9, found 10",
        () -> p.probability(0, 10));
    refused(
        IndexOutOfBoundsException.class,
        "expected a class in 0..9, found -1",
        () -> p.probability(1, -1));
    refused(IllegalArgumentException.class, "expected k >= 1, found 0", () -> p.get(0, 0));
    assertEquals(1, p.get(1, 1).top().size());
    assertEquals(0.75f, p.probability(1));
    assertEquals(0.5f, p.probability(0));
    refused(
        IndexOutOfBoundsException.class,
        "expected an image in 0..1, found 2",
        () -> p.probability(2, 0));
    assertEquals(List.of(3, 7), p.stream().map(Prediction::label).toList());
    refused(
        IllegalArgumentException.class,
        "expected 20 probabilities, found 19",
        () -> new Predictions(FloatBuffer.allocate(19), 2, 10));
  }

  @Test
  void evaluationChecksTheLabels() {
    float[] values = new float[3 * 10];
    values[1] = 1;
    values[10 + 9] = 1;
    values[20 + 9] = 1;
    Predictions p = new Predictions(FloatBuffer.wrap(values), 3, 10);
    refused(
        IllegalArgumentException.class,
        "expected 3 labels, one per prediction, found 2",
        () -> Evaluation.of(p, ByteBuffer.wrap(new byte[] {1, 9})));
    refused(
        IllegalArgumentException.class,
        "expected labels in 0..9, found 10 at index 2",
        () -> Evaluation.of(p, ByteBuffer.wrap(new byte[] {1, 9, 10})));
    refused(
        IllegalArgumentException.class,
        "expected labels in 0..9, found 255 at index 0",
        () -> Evaluation.of(p, ByteBuffer.wrap(new byte[] {(byte) 255, 9, 9})));
    Evaluation e = Evaluation.of(p, ByteBuffer.wrap(new byte[] {7, 1, 9, 9}).position(1));
    assertEquals(2, e.confusion(9, 9));
    assertEquals(1, e.confusion(1, 1));
    refused(
        IndexOutOfBoundsException.class,
        "expected classes in 0..9, found 10, 0",
        () -> e.confusion(10, 0));
    refused(
        IndexOutOfBoundsException.class,
        "expected classes in 0..9, found 0, -1",
        () -> e.confusion(0, -1));
    refused(
        IndexOutOfBoundsException.class,
        "expected classes in 0..9, found 0, 10",
        () -> e.confusion(0, 10));
    refused(
        IndexOutOfBoundsException.class,
        "expected classes in 0..9, found -1, 0",
        () -> e.confusion(-1, 0));
    assertEquals(0, e.confusion(0, 0));
    assertEquals(0, e.confusion(9, 0));
  }
}
