package io.github.digitbridge.model;

import io.github.digitbridge.DigitBridgeException;

/**
 * A model (or its model card) that cannot be used as it is, or an inference that ONNX Runtime
 * refused.
 *
 * <p>Every failure carries one {@link Reason}, the model it concerns (its path, or a description of
 * the bytes it came from) and a detail that says what was expected and what was found. The message
 * reads {@code <model>: <REASON>: <detail>}, the form the CLI prints after {@code error: }.
 *
 * <p>Mistakes of the caller (a pixel array shorter than the count it claims, a batch size of 0) are
 * {@link IllegalArgumentException}s instead, and using a closed classifier is an {@link
 * IllegalStateException}: those are bugs to fix, not data to report.
 */
public final class ModelException extends DigitBridgeException {
  private static final long serialVersionUID = 1L;

  /** Why a model, a card or an input was refused. */
  public enum Reason implements ReasonCode {
    /** The model or card file cannot be read: missing, a directory, no permission. */
    IO,
    /**
     * The model file, its contract or a model card is larger than docs/model-contract.md allows.
     */
    TOO_LARGE,
    /** ONNX Runtime cannot load the bytes as a model: truncated, not ONNX, unsupported. */
    MODEL_INVALID,
    /** External data that is not a regular file inside the model's folder, or given with bytes. */
    EXTERNAL_DATA,
    /** The model has no {@code digitbridge.contract} entry in its metadata. */
    CONTRACT_MISSING,
    /** The contract is not JSON, lacks a required key, or asks for something this runtime lacks. */
    CONTRACT_INVALID,
    /** The session's inputs or outputs differ from the contract's (name, element type, shape). */
    CONTRACT_MISMATCH,
    /**
     * The model's outputs on the contract's golden images differ beyond the contract's atol: the
     * file changed after export, a failed check rather than bad input.
     */
    GOLDEN_MISMATCH(EXIT_CHECK_FAILED),
    /** A model card (the {@code <name>.json} beside a model) is not the JSON it should be. */
    CARD_INVALID,
    /** Input data that cannot be classified: wrong element type or shape, counts that differ. */
    BAD_INPUT,
    /** ONNX Runtime failed while running the model. */
    ORT_ERROR,
    /** This ONNX Runtime would crash the process here (see docs/java.md); nothing was loaded. */
    RUNTIME_UNSAFE;

    private final int exitCode;

    Reason() {
      this(EXIT_BAD_INPUT);
    }

    Reason(int exitCode) {
      this.exitCode = exitCode;
    }

    @Override
    public int exitCode() {
      return exitCode;
    }
  }

  /**
   * Creates an exception.
   *
   * @param reason the reason code
   * @param model the model or file concerned, as the caller named it
   * @param detail what was expected and what was found
   */
  public ModelException(Reason reason, String model, String detail) {
    this(reason, model, detail, null);
  }

  /** Creates an exception with an underlying cause, such as an {@code OrtException}. */
  public ModelException(Reason reason, String model, String detail, Throwable cause) {
    super(model, reason, detail, cause);
  }

  @Override
  public Reason reason() {
    return (Reason) super.reason();
  }

  /** The model or file concerned: {@link #subject()}. */
  public String model() {
    return subject();
  }
}
