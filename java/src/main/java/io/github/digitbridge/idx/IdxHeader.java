package io.github.digitbridge.idx;

import java.util.Arrays;
import java.util.Objects;

/**
 * The validated header of an IDX file.
 *
 * <p>A header only exists once it has passed the header checks of docs/idx-format.md, so its data
 * section always fits a Java buffer: {@link #dataBytes()} is at most {@link Integer#MAX_VALUE}.
 *
 * @param type the element type
 * @param dims the dimension sizes, outermost first; 1 to 8 of them, all positive
 * @param gzip whether the file is a gzip member rather than plain IDX bytes
 * @param dataOffset where the data section starts in the (decompressed) IDX bytes: 4 + 4·d
 */
public record IdxHeader(IdxType type, int[] dims, boolean gzip, int dataOffset) {
  /** Most dimensions a header may declare. */
  public static final int MAX_DIMS = 8;

  /**
   * Checks the invariants and takes a private copy of {@code dims}.
   *
   * @throws IllegalArgumentException if dims are empty, too many, not positive, if the data section
   *     would not fit in {@link Integer#MAX_VALUE} bytes, or if dataOffset is not 4 + 4·d
   */
  public IdxHeader {
    Objects.requireNonNull(type, "type");
    dims = dims.clone();
    if (dims.length == 0 || dims.length > MAX_DIMS) {
      throw new IllegalArgumentException(
          "expected 1 to " + MAX_DIMS + " dimensions, found " + dims.length);
    }
    long bytes = type.elementSize();
    for (int dim : dims) {
      if (dim <= 0) {
        throw new IllegalArgumentException(
            "expected positive dimension sizes, found " + Arrays.toString(dims));
      }
      bytes *= dim; // cannot overflow: both factors stay below 2^31 until the check below fails
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "expected at most "
                + Integer.MAX_VALUE
                + " bytes of data, found more for "
                + type
                + " "
                + Arrays.toString(dims));
      }
    }
    if (dataOffset != 4 + 4 * dims.length) {
      throw new IllegalArgumentException(
          "expected data offset " + (4 + 4 * dims.length) + ", found " + dataOffset);
    }
  }

  /** A copy of the dimension sizes, outermost first. */
  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** Number of elements: the product of the dimension sizes. */
  public int elementCount() {
    int count = 1;
    for (int dim : dims) {
      count *= dim;
    }
    return count;
  }

  /** Size of the data section in bytes. */
  public int dataBytes() {
    return elementCount() * type.elementSize();
  }

  /** The first dimension: the number of items (images, labels) in the file. */
  public int count() {
    return dims[0];
  }

  /** The shape as the specification prints it, e.g. {@code [60000, 28, 28]}. */
  public String shapeText() {
    return Arrays.toString(dims);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IdxHeader that
        && type == that.type
        && Arrays.equals(dims, that.dims)
        && gzip == that.gzip
        && dataOffset == that.dataOffset;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, Arrays.hashCode(dims), gzip, dataOffset);
  }

  @Override
  public String toString() {
    return "IdxHeader["
        + type.typeName()
        + " "
        + shapeText()
        + (gzip ? " gzip" : " plain")
        + ", dataOffset="
        + dataOffset
        + "]";
  }
}
