package io.github.digitbridge.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.model.ClassifierOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The test models of tests/data/models, the shipped models of models/, and the MNIST test set they
 * are evaluated on. Each location comes from a system property that both builds set; anything
 * missing fails the test, so a green run means the models were really loaded and run.
 */
public final class TestModels {
  /** The system property naming tests/data/models. */
  public static final String DIR_PROPERTY = "digitbridge.testmodels.dir";

  /** The system property naming models/, the shipped zoo. */
  public static final String SHIPPED_DIR_PROPERTY = "digitbridge.models.dir";

  private static final String MNIST_PROPERTY = "digitbridge.mnist.dir";
  private static MnistDataset mnistTest;

  private TestModels() {}

  /** A test model by file name, e.g. {@code linear.onnx}; fails the test if the set is missing. */
  public static Path file(String name) {
    return Fixtures.requireDir(
            DIR_PROPERTY, "linear.onnx", "test models", "python tests/data/make_test_models.py")
        .resolve(name);
  }

  /** tests/data/models/linear.onnx: the valid test model. */
  public static Path linear() {
    return file("linear.onnx");
  }

  /** The shipped models, {@code models/*.onnx}, sorted by name; empty until the zoo lands. */
  public static List<Path> shipped() throws Exception {
    Path dir = Fixtures.pathProperty(SHIPPED_DIR_PROPERTY);
    List<Path> models = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        files
            .filter(p -> p.getFileName().toString().endsWith(".onnx"))
            .sorted()
            .forEach(models::add);
      }
    }
    return models;
  }

  /** Options for tests: the defaults, but a warning fails the test unless the test expects it. */
  public static ClassifierOptions.Builder options() {
    return ClassifierOptions.builder().warnings(message -> fail("unexpected warning: " + message));
  }

  /** The 10k MNIST test images and labels, read once per test run. */
  public static synchronized MnistDataset mnistTest() throws IdxException {
    if (mnistTest == null) {
      Path dir = Fixtures.pathProperty(MNIST_PROPERTY);
      Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
      Path labels = dir.resolve("t10k-labels-idx1-ubyte.gz");
      if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
        fail(
            "MNIST test set missing from "
                + dir
                + ". Run `python -m pybridge.data fetch` (or set DIGITBRIDGE_MNIST_DIR).");
      }
      mnistTest = MnistDataset.load(images, labels);
    }
    return mnistTest;
  }

  /** The MNIST test image file. */
  public static Path mnistTestImages() throws IdxException {
    return mnistTest().imageArray().file();
  }

  /** The MNIST test label file. */
  public static Path mnistTestLabels() throws IdxException {
    return mnistTest().labelArray().file();
  }
}
