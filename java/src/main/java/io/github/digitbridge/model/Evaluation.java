package io.github.digitbridge.model;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxType;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ModelException.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a batch of predictions compares with the true labels: accuracy, per-class precision and
 * recall, the confusion matrix and the indices of the misclassified images.
 *
 * <p>{@link #accuracy()} is {@code correct / count} as a double, the figure Python's {@code
 * float(np.mean(predicted == labels))} gives, so it can be compared exactly with a model card.
 * Instances are immutable.
 *
 * <pre>{@code
 * try (DigitClassifier classifier = DigitClassifier.open(Path.of("models/deeper_cnn.onnx"))) {
 *   Evaluation evaluation = Evaluation.of(classifier, MnistDataset.load(images, labels));
 *   System.out.println(evaluation.accuracyText());
 * }
 * }</pre>
 */
public final class Evaluation {
  private final int classes;
  private final int count;
  private final int correct;
  private final int[] confusion; // row = true label, column = predicted label
  private final int[] misclassified;

  private Evaluation(int classes, int count, int correct, int[] confusion, int[] misclassified) {
    this.classes = classes;
    this.count = count;
    this.correct = correct;
    this.confusion = confusion;
    this.misclassified = misclassified;
  }

  /**
   * Compares predictions with labels.
   *
   * @param predictions the model's predictions
   * @param labels one unsigned byte per image, from position, each below {@code
   *     predictions.classes()}
   * @throws IllegalArgumentException if there are fewer labels than predictions, or a label is out
   *     of range
   */
  public static Evaluation of(Predictions predictions, ByteBuffer labels) {
    int count = predictions.count();
    int classes = predictions.classes();
    if (labels.remaining() < count) {
      throw new IllegalArgumentException(
          "expected " + count + " labels, one per prediction, found " + labels.remaining());
    }
    int[] predicted = predictions.labels();
    int[] confusion = new int[classes * classes];
    int[] wrong = new int[count];
    int misses = 0;
    for (int i = 0; i < count; i++) {
      int actual = labels.get(labels.position() + i) & 0xff;
      if (actual >= classes) {
        throw new IllegalArgumentException(
            "expected labels in 0.." + (classes - 1) + ", found " + actual + " at index " + i);
      }
      confusion[actual * classes + predicted[i]]++;
      if (actual != predicted[i]) {
        wrong[misses++] = i;
      }
    }
    return new Evaluation(classes, count, count - misses, confusion, Arrays.copyOf(wrong, misses));
  }

  /**
   * Classifies a dataset and compares the predictions with its labels.
   *
   * @throws ModelException {@link Reason#BAD_INPUT} if a label is not a class of this model, {@link
   *     Reason#ORT_ERROR} if ONNX Runtime fails
   */
  public static Evaluation of(DigitClassifier classifier, MnistDataset dataset)
      throws ModelException {
    return of(classifier, dataset.imageArray(), dataset.labelArray());
  }

  /**
   * Classifies the images of an IDX file and compares the predictions with the labels of another.
   *
   * @param images ubyte {@code [N, 28, 28]}
   * @param labels ubyte {@code [N]}, each a class of this model
   * @throws ModelException {@link Reason#BAD_INPUT} naming the file at fault if a shape or type is
   *     wrong, the counts differ or a label is out of range; {@link Reason#ORT_ERROR} if ONNX
   *     Runtime fails
   */
  public static Evaluation of(DigitClassifier classifier, IdxArray images, IdxArray labels)
      throws ModelException {
    int count = classifier.imageCount(images);
    int classes = classifier.contract().classes();
    if (labels.type() != IdxType.UBYTE || labels.shape().length != 1) {
      throw badLabels(
          labels,
          "expected labels of ubyte [N], found "
              + labels.type().typeName()
              + " "
              + labels.header().shapeText());
    }
    if (labels.count() != count) {
      throw badLabels(
          labels,
          "expected "
              + count
              + " labels, one per image in "
              + images.file()
              + ", found "
              + labels.count());
    }
    ByteBuffer data = labels.data();
    for (int i = 0; i < count; i++) {
      int label = data.get(i) & 0xff;
      if (label >= classes) {
        throw badLabels(
            labels,
            "expected labels in 0.." + (classes - 1) + ", found " + label + " at index " + i);
      }
    }
    return of(classifier.predict(images), data);
  }

  private static ModelException badLabels(IdxArray labels, String detail) {
    return new ModelException(Reason.BAD_INPUT, labels.file().toString(), detail);
  }

  /** Number of images evaluated. */
  public int count() {
    return count;
  }

  /** Number of images whose predicted label is the true one. */
  public int correct() {
    return correct;
  }

  /** {@code correct() / count()}; 0 for no images. */
  public double accuracy() {
    return count == 0 ? 0 : (double) correct / count;
  }

  /** Number of classes. */
  public int classes() {
    return classes;
  }

  /** Images whose true label is {@code label}. */
  public int support(int label) {
    int n = 0;
    for (int p = 0; p < classes; p++) {
      n += confusion(label, p);
    }
    return n;
  }

  /**
   * Of the images predicted as {@code label}, the fraction that are {@code label}; 0 when none were
   * predicted as it (scikit-learn's default for an undefined precision).
   */
  public double precision(int label) {
    int predicted = 0;
    for (int a = 0; a < classes; a++) {
      predicted += confusion(a, label);
    }
    return predicted == 0 ? 0 : (double) confusion(label, label) / predicted;
  }

  /** Of the images that are {@code label}, the fraction predicted as it; 0 when there are none. */
  public double recall(int label) {
    int actual = support(label);
    return actual == 0 ? 0 : (double) confusion(label, label) / actual;
  }

  /** How many images of true class {@code actual} were predicted as {@code predicted}. */
  public int confusion(int actual, int predicted) {
    if (actual < 0 || actual >= classes || predicted < 0 || predicted >= classes) {
      throw new IndexOutOfBoundsException(
          "expected classes in 0.." + (classes - 1) + ", found " + actual + ", " + predicted);
    }
    return confusion[actual * classes + predicted];
  }

  /** A copy of the confusion matrix: {@code [actual][predicted]}. */
  public int[][] confusionMatrix() {
    int[][] rows = new int[classes][];
    for (int a = 0; a < classes; a++) {
      rows[a] = Arrays.copyOfRange(confusion, a * classes, (a + 1) * classes);
    }
    return rows;
  }

  /** The indices of the misclassified images, ascending. */
  public int[] misclassified() {
    return misclassified.clone();
  }

  /** The accuracy as the CLI prints it, e.g. {@code 99.09% (9909/10000)}. */
  public String accuracyText() {
    // Locale.US: the characters Locale.ROOT gives, and the one locale Formatter writes without
    // loading locale data first (~10 ms of a command's start-up).
    return String.format(Locale.US, "%.2f%% (%d/%d)", 100 * accuracy(), correct, count);
  }

  @Override
  public String toString() {
    return "Evaluation[accuracy " + accuracyText() + "]";
  }
}
