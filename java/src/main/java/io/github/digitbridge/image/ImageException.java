package io.github.digitbridge.image;

import io.github.digitbridge.DigitBridgeException;

/**
 * An image file that cannot be turned into a digit.
 *
 * <p>Every failure carries one {@link Reason} (the codes of docs/preprocessing.md, shared with the
 * Python twin {@code pybridge.image}), the file it concerns and a detail that says what was
 * expected and what was found. The message reads {@code <file>: <REASON>: <detail>}, the form the
 * CLI prints after {@code error: }.
 */
public final class ImageException extends DigitBridgeException {
  private static final long serialVersionUID = 1L;

  /** Why an image was refused; the checks are made in this order. */
  public enum Reason implements ReasonCode {
    /** The file cannot be opened or read: missing, a directory, no permission. */
    IO,
    /** The file has no bytes. */
    EMPTY_FILE,
    /** The first bytes are not a PNG, JPEG, GIF or BMP signature. */
    NOT_AN_IMAGE,
    /** The file ends before the container's structure does (e.g. a PNG without its IEND chunk). */
    TRUNCATED,
    /** The structure is complete but wrong (a bad PNG CRC, zero size), or the decoder failed. */
    CORRUPT,
    /** More than {@link Preprocessor#MAX_PIXELS} pixels, or a file above its byte limit. */
    TOO_LARGE,
    /** A valid file of a kind not decoded here (CMYK or arithmetic-coded JPEG, RLE24 BMP...). */
    UNSUPPORTED,
    /** No digit found: the brightest ink is too close to the background. */
    NO_INK
  }

  /**
   * Creates an exception.
   *
   * @param reason the reason code
   * @param file the file concerned, as the caller named it
   * @param detail what was expected and what was found
   */
  public ImageException(Reason reason, String file, String detail) {
    super(file, reason, detail, null);
  }

  /** As the constructor, with the decoder's or the file system's exception as the cause. */
  static ImageException withCause(Reason reason, String file, String detail, Throwable cause) {
    ImageException failure = new ImageException(reason, file, detail);
    failure.initCause(cause);
    return failure;
  }

  @Override
  public Reason reason() {
    return (Reason) super.reason();
  }
}
