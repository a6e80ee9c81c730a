package io.github.digitbridge.model;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/** Evaluations of made-up probabilities, for tests outside this package (the CLI's JSON). */
public final class TestEvaluations {
  private TestEvaluations() {}

  /**
   * The evaluation of {@code probabilities} (row after row of {@code classes}) against {@code
   * labels}.
   */
  public static Evaluation of(int classes, byte[] labels, float... probabilities) {
    Predictions p =
        new Predictions(FloatBuffer.wrap(probabilities), probabilities.length / classes, classes);
    return Evaluation.of(p, ByteBuffer.wrap(labels));
  }
}
