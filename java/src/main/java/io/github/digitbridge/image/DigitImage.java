package io.github.digitbridge.image;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One 28x28 model input and how it was made (docs/preprocessing.md).
 *
 * <p>Immutable: {@link #pixels()} returns a copy, and {@link #buffer()} a fresh direct buffer that
 * {@code DigitClassifier.predict(ByteBuffer, 1)} takes as it is.
 *
 * @param pixels 784 uint8 values, row-major: a light digit on black ({@link Preprocessor.Mode#RAW}:
 *     the image as it is)
 * @param mode the mode that made it
 * @param header format and size of the source image
 * @param polarity whether the source was inverted
 * @param background the background level after inversion, 0 to 255 (raw mode: 0)
 * @param inkMax the brightest level after inversion (raw mode: 255)
 * @param box the digit's bounding box in the source image (raw mode: the whole image)
 * @param scaledWidth the digit's width after scaling (raw mode: 28)
 * @param scaledHeight the digit's height after scaling (raw mode: 28)
 * @param offsetX the column of its left edge in the 28x28 field (raw mode: 0)
 * @param offsetY the row of its top edge in the 28x28 field (raw mode: 0)
 */
public record DigitImage(
    byte[] pixels,
    Preprocessor.Mode mode,
    ImageHeader header,
    Polarity polarity,
    int background,
    int inkMax,
    Box box,
    int scaledWidth,
    int scaledHeight,
    int offsetX,
    int offsetY) {
  /** What the polarity test found. */
  public enum Polarity {
    /** The border was brighter than the mean: the image was inverted. */
    DARK_ON_LIGHT,
    /** The image was kept as it is. */
    LIGHT_ON_DARK,
    /** Raw mode: no test made. */
    NOT_TESTED;

    /** The spelling the Python twin and the CLIs use, e.g. {@code dark-on-light}. */
    public String text() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * A rectangle in pixels.
   *
   * @param x left column
   * @param y top row
   * @param width width
   * @param height height
   */
  public record Box(int x, int y, int width, int height) {}

  /** Copies {@code pixels}, which must hold 28 x 28 values. */
  public DigitImage {
    if (pixels.length != Preprocessor.SIZE * Preprocessor.SIZE) {
      throw new IllegalArgumentException(
          "expected " + Preprocessor.SIZE * Preprocessor.SIZE + " pixels, found " + pixels.length);
    }
    pixels = pixels.clone();
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(polarity, "polarity");
    Objects.requireNonNull(box, "box");
  }

  /** A copy of the 784 pixels, row-major. */
  @Override
  public byte[] pixels() {
    return pixels.clone();
  }

  /** One pixel, 0 to 255. */
  public int pixel(int row, int column) {
    return pixels[row * Preprocessor.SIZE + column] & 0xFF;
  }

  /** The pixels in a new read-only direct buffer, position 0, limit 784. */
  public ByteBuffer buffer() {
    return batch(List.of(this));
  }

  /**
   * The pixels of several images, one after another, in a new read-only direct buffer: what {@code
   * DigitClassifier.predict(buffer, images.size())} takes.
   */
  public static ByteBuffer batch(List<DigitImage> images) {
    ByteBuffer out =
        ByteBuffer.allocateDirect(images.size() * Preprocessor.SIZE * Preprocessor.SIZE);
    for (DigitImage image : images) {
      out.put(image.pixels);
    }
    return out.flip().asReadOnlyBuffer();
  }

  /** Equal when every field and every pixel is. */
  @Override
  public boolean equals(Object other) {
    return other instanceof DigitImage d
        && Arrays.equals(pixels, d.pixels)
        && mode == d.mode
        && header.equals(d.header)
        && polarity == d.polarity
        && background == d.background
        && inkMax == d.inkMax
        && box.equals(d.box)
        && scaledWidth == d.scaledWidth
        && scaledHeight == d.scaledHeight
        && offsetX == d.offsetX
        && offsetY == d.offsetY;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(pixels), mode, header, box, offsetX, offsetY);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "DigitImage[%s %s %dx%d, %s, background %d, ink max %d, box %d,%d %dx%d, scaled %dx%d at"
            + " %d,%d]",
        mode.name().toLowerCase(Locale.ROOT),
        header.format(),
        header.width(),
        header.height(),
        polarity.text(),
        background,
        inkMax,
        box.x(),
        box.y(),
        box.width(),
        box.height(),
        scaledWidth,
        scaledHeight,
        offsetX,
        offsetY);
  }
}
