package io.github.digitbridge.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded image as 8-bit gray: alpha composited on white, then integer luma
 * (docs/preprocessing.md, steps 2 and 3). What both twins decode before any of the digit steps; the
 * JPEG bound is measured on it.
 *
 * @param header format and size
 * @param values {@code width * height} values, row-major
 */
public record GrayImage(ImageHeader header, byte[] values) {
  /** Copies {@code values}, which must hold {@code width * height} of them. */
  public GrayImage {
    Objects.requireNonNull(header, "header");
    if (values.length != (long) header.width() * header.height()) {
      throw new IllegalArgumentException(
          "expected "
              + (long) header.width() * header.height()
              + " values, found "
              + values.length);
    }
    values = values.clone();
  }

  /** A copy of the values, row-major. */
  @Override
  public byte[] values() {
    return values.clone();
  }

  /** One value, 0 to 255. */
  public int value(int row, int column) {
    return values[row * header.width() + column] & 0xFF;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof GrayImage g
        && header.equals(g.header)
        && Arrays.equals(values, g.values);
  }

  @Override
  public int hashCode() {
    return 31 * header.hashCode() + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "GrayImage[" + header.format() + " " + header.width() + "x" + header.height() + "]";
  }
}
