package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each shipped model (models/*.onnx) classifies the 10k MNIST test set with exactly the accuracy
 * its card (models/NAME.json) records, the figure Python ONNX Runtime measured on the same file.
 *
 * <p>A shipped model without a card, or whose card names another file (onnx_sha256), fails. While
 * models/ holds no model yet, the one test runs on tests/data/models/linear.onnx and its card
 * instead, so the comparison itself is always exercised.
 */
class ShippedModelsTest {
  @TestFactory
  Stream<DynamicTest> accuracyOnTheTestSetEqualsTheCardsFigure() throws Exception {
    List<Path> shipped = TestModels.shipped();
    if (shipped.isEmpty()) {
      return Stream.of(
          dynamicTest(
              "no shipped models yet: linear.onnx (test model) against linear.json",
              () -> checkAgainstCard(TestModels.linear())));
    }
    return shipped.stream()
        .map(model -> dynamicTest(model.getFileName().toString(), () -> checkAgainstCard(model)));
  }

  private static void checkAgainstCard(Path model) throws Exception {
    Path cardFile = ModelCard.besideModel(model);
    assertTrue(Files.isRegularFile(cardFile), "no model card beside " + model + ": " + cardFile);
    ModelCard card = ModelCard.read(cardFile);
    assertTrue(card.testAccuracy().isPresent(), cardFile + " has no test_accuracy");
    assertTrue(card.onnxSha256().isPresent(), cardFile + " has no onnx_sha256");
    MnistDataset mnist = TestModels.mnistTest();
    // Intra-op threads 0 is ONNX Runtime's own default, which is what the card's Python run used.
    ClassifierOptions options = TestModels.options().intraOpThreads(0).build();
    try (DigitClassifier classifier = DigitClassifier.open(model, options)) {
      assertEquals(
          card.onnxSha256().get(),
          classifier.modelSha256(),
          cardFile + " describes another file than " + model);
      Evaluation evaluation = Evaluation.of(classifier, mnist);
      double expected = card.testAccuracy().getAsDouble();
      assertEquals(
          expected,
          evaluation.accuracy(),
          () ->
              model
                  + ": expected the card's test_accuracy "
                  + expected
                  + " ("
                  + Math.round(expected * mnist.count())
                  + "/"
                  + mnist.count()
                  + "), found "
                  + evaluation.accuracyText());
    }
  }
}
