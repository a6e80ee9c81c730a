package io.github.digitbridge;

import java.io.Serializable;
import java.util.Objects;

/**
 * The checked exceptions of this library: an IDX file, a model or an image that cannot be used as
 * it is.
 *
 * <p>Every failure names what it concerns ({@link #subject()}: a file or a model, as the caller
 * named it), carries one {@link #reason()} from its subclass's {@code Reason} enum and a {@link
 * #detail()} that says what was expected and what was found. The message reads {@code <subject>:
 * <REASON>: <detail>}, exactly what the CLI prints after {@code error: }, and {@link #exitCode()}
 * is what a command line ends with for it.
 */
public abstract class DigitBridgeException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Exit code for a check that failed, e.g. a model that no longer computes its golden outputs. */
  public static final int EXIT_CHECK_FAILED = 1;

  /** Exit code for bad input: a file, a model or an image that cannot be used. */
  public static final int EXIT_BAD_INPUT = 2;

  /**
   * A reason code. Each subclass has an enum of them, named as its specification (and the Python
   * twin) names them; serializable because every one is an enum constant.
   */
  public interface ReasonCode extends Serializable {
    /** The code, e.g. {@code TRUNCATED_DATA}. */
    String name();

    /** The exit code for this reason: {@link #EXIT_BAD_INPUT} unless a reason says otherwise. */
    default int exitCode() {
      return EXIT_BAD_INPUT;
    }
  }

  private final String subject;
  private final ReasonCode reason;
  private final String detail;

  /**
   * Creates an exception.
   *
   * @param subject the file or model concerned, as the caller named it
   * @param reason the subclass's reason code
   * @param detail what was expected and what was found
   * @param cause the underlying exception, or null
   */
  protected DigitBridgeException(
      Object subject, ReasonCode reason, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(subject, "subject")
            + ": "
            + Objects.requireNonNull(reason, "reason").name()
            + ": "
            + Objects.requireNonNull(detail, "detail"));
    // Left unset when null (not set to null), so that a subclass with one constructor can still
    // give the odd failure its cause with initCause.
    if (cause != null) {
      initCause(cause);
    }
    this.subject = subject.toString();
    this.reason = reason;
    this.detail = detail;
  }

  /**
   * The file or model concerned, as the caller named it ({@code <N bytes>} for bytes in memory).
   */
  public String subject() {
    return subject;
  }

  /** The reason code; each subclass narrows it to its own {@code Reason} enum. */
  public ReasonCode reason() {
    return reason;
  }

  /** The message without the subject and reason prefix: what was expected and what was found. */
  public String detail() {
    return detail;
  }

  /**
   * What a command line exits with when this error ends it: {@link #EXIT_CHECK_FAILED} or {@link
   * #EXIT_BAD_INPUT}, as the reason says.
   */
  public int exitCode() {
    return reason.exitCode();
  }
}
