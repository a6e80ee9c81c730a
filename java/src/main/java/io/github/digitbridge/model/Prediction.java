package io.github.digitbridge.model;

import java.util.List;

/**
 * The classification of one image.
 *
 * @param index the image's position in the batch it came from
 * @param label the predicted class: the index of the largest probability (the first one on ties,
 *     like numpy's {@code argmax})
 * @param probability the probability of {@code label}
 * @param top the most probable classes, most probable first; {@code top.get(0)} is {@code label}
 */
public record Prediction(int index, int label, float probability, List<Score> top) {
  /**
   * One class and its probability.
   *
   * @param label the class
   * @param probability its probability
   */
  public record Score(int label, float probability) {}

  /** Takes an unmodifiable copy of {@code top}. */
  public Prediction {
    top = List.copyOf(top);
  }
}
