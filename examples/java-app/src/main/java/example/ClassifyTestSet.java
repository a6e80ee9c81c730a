package example;

import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.Evaluation;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Classifies the MNIST test set with a digitbridge model and prints the accuracy.
 *
 * <p>Arguments: [MODEL.onnx [MNIST_DIR]]. The model defaults to models/deeper_cnn.onnx, or the test
 * model while the zoo is not built; MNIST_DIR defaults to where {@code python -m pybridge.data
 * fetch} puts it. Run from the repository root.
 */
public final class ClassifyTestSet {
  private static final Path DEFAULT_MNIST =
      Path.of(System.getProperty("user.home"), ".cache", "digitbridge", "mnist");

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : defaultModel());
    Path mnist = args.length > 1 ? Path.of(args[1]) : DEFAULT_MNIST;

    MnistDataset test =
        MnistDataset.load(
            mnist.resolve("t10k-images-idx3-ubyte.gz"), mnist.resolve("t10k-labels-idx1-ubyte.gz"));
    try (DigitClassifier classifier = DigitClassifier.open(model)) {
      Evaluation evaluation = Evaluation.of(classifier, test);
      System.out.printf(
          "%s (%s): accuracy %s%n", classifier.name(), model, evaluation.accuracyText());
    }
  }

  private static String defaultModel() {
    Path shipped = Path.of("models/deeper_cnn.onnx");
    return Files.exists(shipped) ? shipped.toString() : "tests/data/models/linear.onnx";
  }
}
