package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.digitbridge.model.Evaluation;
import io.github.digitbridge.model.TestEvaluations;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void anEvaluationIsOneObjectSpacedLikePython() {
    // Four images, three classes; labels 0, 1, 2, 2. Predicted: 0, 1, 1, 0.
    Evaluation e =
        TestEvaluations.of(
            3,
            new byte[] {0, 1, 2, 2},
            0.7f,
            0.2f,
            0.1f, //
            0.1f,
            0.8f,
            0.1f, //
            0.2f,
            0.5f,
            0.3f, //
            0.6f,
            0.1f,
            0.3f);
    assertEquals(
        "{\"count\": 4, \"correct\": 2, \"accuracy\": 0.5, \"classes\": 3,"
            + " \"precision\": [0.5, 0.5, 0.0], \"recall\": [1.0, 1.0, 0.0],"
            + " \"support\": [1, 1, 2], \"confusion\": [[1, 0, 0], [0, 1, 0], [1, 1, 0]],"
            + " \"misclassified\": [2, 3]}",
        Json.of(e).toString());
  }

  @Test
  void writesLikePythonsJsonDumps() {
    Json json =
        new Json()
            .field("a", 1)
            .field("b", 0.1)
            .field("c", 1e-05)
            .field("d", 1e22)
            .field("e", new int[] {1, 2})
            .field("f", new Json());
    assertEquals(
        "{\"a\": 1, \"b\": 0.1, \"c\": 1.0E-5, \"d\": 1.0E22, \"e\": [1, 2], \"f\": {}}",
        json.toString());
  }
}
