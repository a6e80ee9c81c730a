package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.idx.MnistDataset;
import io.github.digitbridge.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Evaluation and the per-image views of Predictions, checked against figures worked out here. */
class EvaluationTest {
  private static Predictions predictions(int classes, float... values) {
    return new Predictions(FloatBuffer.wrap(values), values.length / classes, classes);
  }

  @Test
  void accuracyOnTheTestSetMatchesOneComputedFromTheRawProbabilities() throws Exception {
    MnistDataset mnist = TestModels.mnistTest();
    Evaluation evaluation;
    float[] probabilities;
    try (DigitClassifier classifier =
        DigitClassifier.open(TestModels.linear(), TestModels.options().build())) {
      evaluation = Evaluation.of(classifier, mnist);
      probabilities = classifier.predict(mnist.imageArray()).toArray();
    }
    // The independent count: a plain argmax (first maximum) over the flat array.
    int correct = 0;
    List<Integer> wrong = new ArrayList<>();
    int[][] confusion = new int[10][10];
    for (int i = 0; i < mnist.count(); i++) {
      int best = 0;
      for (int c = 1; c < 10; c++) {
        if (probabilities[i * 10 + c] > probabilities[i * 10 + best]) {
          best = c;
        }
      }
      int label = mnist.label(i);
      confusion[label][best]++;
      if (best == label) {
        correct++;
      } else {
        wrong.add(i);
      }
    }
    assertEquals(10_000, evaluation.count());
    assertEquals(correct, evaluation.correct());
    assertEquals((double) correct / 10_000, evaluation.accuracy());
    assertArrayEquals(
        wrong.stream().mapToInt(Integer::intValue).toArray(), evaluation.misclassified());
    assertArrayEquals(confusion, evaluation.confusionMatrix());
    int[] classCounts = mnist.classCounts();
    for (int c = 0; c < 10; c++) {
      assertEquals(classCounts[c], evaluation.support(c));
      int predictedAsC = 0;
      for (int[] row : confusion) {
        predictedAsC += row[c];
      }
      assertEquals((double) confusion[c][c] / predictedAsC, evaluation.precision(c));
      assertEquals((double) confusion[c][c] / classCounts[c], evaluation.recall(c));
    }
  }

  @Test
  void smallCaseWorkedByHand() {
    // Four images, three classes; labels 0, 1, 2, 2. Predicted: 0, 1, 1, 0.
    Predictions p =
        predictions(
            3, //
            0.7f, 0.2f, 0.1f, //
            0.1f, 0.8f, 0.1f, //
            0.2f, 0.5f, 0.3f, //
            0.6f, 0.1f, 0.3f);
    Evaluation e = Evaluation.of(p, ByteBuffer.wrap(new byte[] {0, 1, 2, 2}));
    assertEquals(2, e.correct());
    assertEquals(0.5, e.accuracy());
    assertEquals("50.00% (2/4)", e.accuracyText());
    assertArrayEquals(new int[] {2, 3}, e.misclassified());
    assertArrayEquals(new int[][] {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}}, e.confusionMatrix());
    assertEquals(0.5, e.precision(0));
    assertEquals(1.0, e.recall(0));
    assertEquals(0.0, e.precision(2), "nothing predicted as 2: precision 0, not NaN");
    assertEquals(0.0, e.recall(2));
  }

  @Test
  void labelsThatDoNotFitAreTheCallersMistake() {
    Predictions p = predictions(2, 0.4f, 0.6f, 0.9f, 0.1f);
    assertThrows(
        IllegalArgumentException.class, () -> Evaluation.of(p, ByteBuffer.wrap(new byte[1])));
    assertThrows(
        IllegalArgumentException.class, () -> Evaluation.of(p, ByteBuffer.wrap(new byte[] {0, 2})));
  }

  @Test
  void labelsFollowNumpyArgmaxOnTiesAndNaN() {
    Predictions p =
        predictions(
            4, //
            0.25f, 0.25f, 0.25f, 0.25f, // all tied: the first
            0.1f, Float.NaN, 0.9f, Float.NaN, // NaN wins, the first NaN
            0.1f, 0.2f, 0.4f, 0.3f);
    assertArrayEquals(new int[] {0, 1, 2}, p.labels());
    Prediction third = p.get(2);
    assertEquals(
        List.of(
            new Prediction.Score(2, 0.4f),
            new Prediction.Score(3, 0.3f),
            new Prediction.Score(1, 0.2f)),
        third.top());
    assertEquals(2, third.label());
    assertEquals(0.4f, third.probability());
    assertEquals(4, p.get(0, 10).top().size(), "k above the class count gives every class");
    assertEquals(
        List.of(0, 1, 2, 3), p.get(0, 4).top().stream().map(Prediction.Score::label).toList());
    assertThrows(IndexOutOfBoundsException.class, () -> p.get(3));
    assertThrows(IllegalArgumentException.class, () -> p.get(0, 0));
  }

  @Test
  void probabilitiesAreReadOnlyViewsOrCopies() {
    Predictions p = predictions(2, 0.4f, 0.6f);
    FloatBuffer view = p.probabilities();
    assertEquals(true, view.isReadOnly());
    float[] copy = p.toArray();
    copy[0] = 1;
    assertEquals(0.4f, p.probability(0, 0));
    // numpy: hashlib.sha256(np.array([0.4, 0.6], "<f4").tobytes()).hexdigest()
    assertEquals("6516b08abb125e345d30c45505ffa1a6562e15a4bc78e8cda3c23babd2590cb7", p.sha256());
  }
}
