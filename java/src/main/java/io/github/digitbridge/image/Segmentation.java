package io.github.digitbridge.image;

import java.util.List;

/**
 * The digits of one line, left to right, and what was set aside (docs/preprocessing.md, segment).
 *
 * @param digits one {@link DigitImage} per digit, left to right
 * @param specks components dropped as specks (area x 25 below the largest component's area)
 * @param marks groups dropped as marks: dots and dashes less than half the tallest group's height
 */
public record Segmentation(List<DigitImage> digits, int specks, int marks) {
  /** Takes an unmodifiable copy of {@code digits}. */
  public Segmentation {
    digits = List.copyOf(digits);
  }
}
