package io.github.digitbridge.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The probabilities a model gave a batch of images, in one flat buffer: image {@code i}, class
 * {@code c} is element {@code i * classes() + c}, exactly as ONNX Runtime wrote it.
 *
 * <p>Per-image views ({@link #get(int)}) are made on demand, so a batch of any size costs one
 * buffer. Instances are immutable and safe to share between threads.
 */
public final class Predictions {
  /** How many classes {@link #get(int)} ranks. */
  public static final int DEFAULT_TOP_K = 3;

  private final FloatBuffer probabilities;
  private final int count;
  private final int classes;

  /**
   * Wraps a buffer the caller no longer writes to.
   *
   * @param probabilities {@code count * classes} floats from index 0
   */
  Predictions(FloatBuffer probabilities, int count, int classes) {
    if (probabilities.capacity() != count * classes) {
      throw new IllegalArgumentException(
          "expected " + count * classes + " probabilities, found " + probabilities.capacity());
    }
    this.probabilities = probabilities.asReadOnlyBuffer();
    this.count = count;
    this.classes = classes;
  }

  /** Number of images. */
  public int count() {
    return count;
  }

  /** Number of classes per image. */
  public int classes() {
    return classes;
  }

  /**
   * One probability.
   *
   * @param image 0 to {@code count() - 1}
   * @param label 0 to {@code classes() - 1}
   */
  public float probability(int image, int label) {
    checkImage(image);
    if (label < 0 || label >= classes) {
      throw new IndexOutOfBoundsException(
          "expected a class in 0.." + (classes - 1) + ", found " + label);
    }
    return probabilities.get(image * classes + label);
  }

  /**
   * The predicted class of one image: the index of its largest probability, the first on ties and
   * the first NaN if there is one, as numpy's {@code argmax} decides.
   */
  public int label(int image) {
    checkImage(image);
    return best(image * classes, null);
  }

  /** The probability of the predicted class of one image. */
  public float probability(int image) {
    return probability(image, label(image));
  }

  /** The predicted class of every image, in order. */
  public int[] labels() {
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = best(i * classes, null);
    }
    return labels;
  }

  /** One image's prediction with its {@value #DEFAULT_TOP_K} most probable classes. */
  public Prediction get(int image) {
    return get(image, DEFAULT_TOP_K);
  }

  /**
   * One image's prediction with its {@code k} most probable classes.
   *
   * @param image 0 to {@code count() - 1}
   * @param k 1 or more; more than {@code classes()} means all of them
   */
  public Prediction get(int image, int k) {
    checkImage(image);
    if (k < 1) {
      throw new IllegalArgumentException("expected k >= 1, found " + k);
    }
    int base = image * classes;
    List<Prediction.Score> top = new ArrayList<>();
    boolean[] used = new boolean[classes];
    for (int r = 0; r < Math.min(k, classes); r++) {
      // Repeated argmax over the classes left: the ranking agrees with label() by construction.
      int c = best(base, used);
      used[c] = true;
      top.add(new Prediction.Score(c, probabilities.get(base + c)));
    }
    return new Prediction(image, top.get(0).label(), top.get(0).probability(), top);
  }

  /** Every image's prediction, in order, with {@value #DEFAULT_TOP_K} classes each. */
  public Stream<Prediction> stream() {
    return IntStream.range(0, count).mapToObj(this::get);
  }

  /**
   * A read-only view of all probabilities: direct, native order, {@code count() * classes()} floats
   * from position 0, image after image.
   */
  public FloatBuffer probabilities() {
    return probabilities.duplicate().clear();
  }

  /** A copy of all probabilities as one array, image after image. */
  public float[] toArray() {
    float[] out = new float[count * classes];
    probabilities.get(0, out);
    return out;
  }

  /**
   * SHA-256 of all probabilities written as little-endian float32 (numpy's {@code
   * p.astype("<f4").tobytes()}), to compare whole outputs in one string.
   */
  public String sha256() {
    return Pixels.sha256(probabilities.duplicate().clear());
  }

  /** The best class of the row at {@code base}, skipping those marked in {@code used} (or none). */
  private int best(int base, boolean[] used) {
    int arg = -1;
    float max = 0;
    for (int c = 0; c < classes; c++) {
      if (used != null && used[c]) {
        continue;
      }
      float v = probabilities.get(base + c);
      if (Float.isNaN(v)) {
        return c;
      }
      if (arg < 0 || v > max) {
        arg = c;
        max = v;
      }
    }
    return arg;
  }

  private void checkImage(int image) {
    if (image < 0 || image >= count) {
      throw new IndexOutOfBoundsException(
          "expected an image in 0.." + (count - 1) + ", found " + image);
    }
  }

  @Override
  public String toString() {
    return "Predictions[" + count + " images x " + classes + " classes]";
  }
}
