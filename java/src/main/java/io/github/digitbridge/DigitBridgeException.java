package io.github.digitbridge;

import java.util.Objects;

/**
 * The checked exceptions of this library: an IDX file, a model or an image that cannot be used as
 * it is.
 *
 * <p>Each subclass has its own {@code Reason} enum. Every failure names what it concerns (a file or
 * a model), carries one reason and a detail that says what was expected and what was found. The
 * message reads {@code <subject>: <REASON>: <detail>}, exactly what the CLI prints after {@code
 * error: }.
 */
public abstract class DigitBridgeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String detail;

  /**
   * Creates an exception.
   *
   * @param subject the file or model concerned, as the caller named it
   * @param reason the subclass's reason code
   * @param detail what was expected and what was found
   * @param cause the underlying exception, or null
   */
  protected DigitBridgeException(Object subject, Enum<?> reason, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(subject, "subject")
            + ": "
            + Objects.requireNonNull(reason, "reason")
            + ": "
            + Objects.requireNonNull(detail, "detail"),
        cause);
    this.detail = detail;
  }

  /** The message without the subject and reason prefix: what was expected and what was found. */
  public String detail() {
    return detail;
  }
}
