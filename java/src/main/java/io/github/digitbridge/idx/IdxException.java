package io.github.digitbridge.idx;

import io.github.digitbridge.DigitBridgeException;
import java.nio.file.Path;

/**
 * A file, or a pair of files, that is not the IDX data it should be.
 *
 * <p>Every failure carries one {@link Reason} code from docs/idx-format.md, the file it concerns,
 * and a detail that says what was expected and what was found. The message reads {@code <file>:
 * <REASON>: <detail>}, which is exactly what the CLI prints after {@code error: }.
 */
public final class IdxException extends DigitBridgeException {
  private static final long serialVersionUID = 1L;

  /**
   * Why a file was refused. The names are the reason codes of the specification, shared with the
   * Python reader; the order is the order in which the checks are made.
   */
  public enum Reason implements ReasonCode {
    /** The file cannot be opened or read: missing, a directory, no permission. */
    IO,
    /** Fewer than 4 bytes, or fewer than 4·d bytes of dimension sizes after them. */
    TRUNCATED_HEADER,
    /** The first two bytes are not zero. */
    BAD_MAGIC,
    /** The type byte is not one of the six {@link IdxType}s. */
    UNKNOWN_TYPE,
    /** The dimension count is 0 or above 8, or a dimension size is 0. */
    BAD_DIMENSIONS,
    /** The data section would exceed 2^31 − 1 bytes, or 1032 × a gzip file's length. */
    TOO_LARGE,
    /** Fewer data bytes than the header promises. */
    TRUNCATED_DATA,
    /** More data bytes than the header promises, or bytes after the first gzip member. */
    TRAILING_DATA,
    /** Malformed gzip: bad deflate data, CRC or length mismatch, or a stream cut short. */
    CORRUPT_GZIP,
    /** Dataset images are not ubyte [N, 28, 28], or labels not ubyte [N]. */
    WRONG_SHAPE,
    /** The image file and the label file hold different counts. */
    COUNT_MISMATCH,
    /** A label is outside 0..9. */
    LABEL_RANGE
  }

  private final Path file;

  /**
   * Creates an exception.
   *
   * @param reason the reason code
   * @param file the file concerned, as the caller named it
   * @param detail what was expected and what was found
   */
  public IdxException(Reason reason, Path file, String detail) {
    this(reason, file, detail, null);
  }

  /**
   * Creates an exception with an underlying cause, typically an {@link java.io.IOException}.
   *
   * @param cause the underlying exception, or null
   */
  public IdxException(Reason reason, Path file, String detail, Throwable cause) {
    super(file, reason, detail, cause);
    this.file = file;
  }

  @Override
  public Reason reason() {
    return (Reason) super.reason();
  }

  /** The file concerned, exactly as it was passed to the reader; {@link #subject()} as a path. */
  public Path file() {
    return file;
  }
}
