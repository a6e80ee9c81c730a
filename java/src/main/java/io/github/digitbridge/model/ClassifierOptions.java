package io.github.digitbridge.model;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link DigitClassifier} is built and run: batch size, threads, graph optimisation level,
 * execution provider, whether the golden pairs are re-run at load, and where warnings go.
 *
 * <p>Immutable; make one with {@link #builder()} or take {@link #defaults()}.
 *
 * <pre>{@code
 * ClassifierOptions options = ClassifierOptions.builder().batchSize(64).intraOpThreads(0).build();
 * try (DigitClassifier classifier = DigitClassifier.open(model, options)) { ... }
 * }</pre>
 */
public final class ClassifierOptions {
  /** Where the model runs. */
  public enum ExecutionProvider {
    /** ONNX Runtime's CPU provider; always available. */
    CPU,
    /**
     * NVIDIA CUDA; needs the {@code onnxruntime_gpu} artifact (build with {@code -Pgpu}), a GPU and
     * its drivers. When any is missing the classifier warns once and runs on CPU.
     */
    CUDA
  }

  /** ONNX Runtime's graph optimisation levels. */
  public enum OptimizationLevel {
    /** No graph rewrites. */
    NONE(OptLevel.NO_OPT),
    /** Constant folding and redundant-node elimination. */
    BASIC(OptLevel.BASIC_OPT),
    /** Basic plus node fusions. */
    EXTENDED(OptLevel.EXTENDED_OPT),
    /**
     * Everything, including layout optimisations: the level Python's {@code InferenceSession} uses
     * by default, so this is the default here too. Fusions change the arithmetic, so the two
     * runtimes give identical bits only at the same level.
     */
    ALL(OptLevel.ALL_OPT);

    private final OptLevel ort;

    OptimizationLevel(OptLevel ort) {
      this.ort = ort;
    }

    OptLevel ort() {
      return ort;
    }
  }

  /**
   * Default {@link #batchSize()}, Python's too: on a quiet machine it was the one batch within 2%
   * of the best throughput for deeper_cnn and best in both runtimes in two runs of {@code python -m
   * pybridge.bench_batch}, where 64 lost up to 8% and 256 up to 20% and held 51-105 MB more
   * (README).
   */
  public static final int DEFAULT_BATCH_SIZE = 16;

  /**
   * Default {@link #intraOpThreads()}: one. A server that calls one classifier from many threads
   * gets its parallelism from them, and ONNX Runtime's own default (one thread per physical core
   * for every session) would oversubscribe the CPU; a single job that wants all cores asks.
   */
  public static final int DEFAULT_INTRA_OP_THREADS = 1;

  private static final Consumer<String> STDERR_WARNINGS =
      message -> System.err.println("digitbridge: warning: " + message);

  private final int batchSize;
  private final int intraOpThreads;
  private final OptimizationLevel optimizationLevel;
  private final ExecutionProvider executionProvider;
  private final boolean verifyGolden;
  private final Consumer<String> warnings;

  private ClassifierOptions(Builder b) {
    this.batchSize = b.batchSize;
    this.intraOpThreads = b.intraOpThreads;
    this.optimizationLevel = b.optimizationLevel;
    this.executionProvider = b.executionProvider;
    this.verifyGolden = b.verifyGolden;
    this.warnings = b.warnings;
  }

  /** Batch 64, one intra-op thread, optimisation ALL, CPU, golden check on. */
  public static ClassifierOptions defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The most images handed to ONNX Runtime in one run. */
  public int batchSize() {
    return batchSize;
  }

  /** ONNX Runtime's intra-op thread count; 0 lets ONNX Runtime choose (one per core). */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  /** The graph optimisation level. */
  public OptimizationLevel optimizationLevel() {
    return optimizationLevel;
  }

  /** The execution provider asked for (see {@link DigitClassifier#executionProvider()}). */
  public ExecutionProvider executionProvider() {
    return executionProvider;
  }

  /** Whether {@code open} re-runs the golden pairs and refuses a model that fails them. */
  public boolean verifyGolden() {
    return verifyGolden;
  }

  /** Where the one-line warnings go (CUDA unavailable); by default standard error. */
  public Consumer<String> warnings() {
    return warnings;
  }

  /** E.g. {@code batch 16, 1 intra-op thread, optimization ALL}, plus what differs from CPU. */
  @Override
  public String toString() {
    return "batch "
        + batchSize
        + ", "
        + (intraOpThreads == 0
            ? "ONNX Runtime's default intra-op threads"
            : intraOpThreads + " intra-op thread" + (intraOpThreads == 1 ? "" : "s"))
        + ", optimization "
        + optimizationLevel
        + (executionProvider == ExecutionProvider.CPU
            ? ""
            : ", " + executionProvider + " requested")
        + (verifyGolden ? "" : ", golden check skipped");
  }

  /** Sets options one by one; each setter checks its value. */
  public static final class Builder {
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int intraOpThreads = DEFAULT_INTRA_OP_THREADS;
    private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
    private ExecutionProvider executionProvider = ExecutionProvider.CPU;
    private boolean verifyGolden = true;
    private Consumer<String> warnings = STDERR_WARNINGS;

    private Builder() {}

    /**
     * The most images per ONNX Runtime run.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("expected a batch size >= 1, found " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * ONNX Runtime's intra-op threads; 0 lets it choose.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder intraOpThreads(int threads) {
      if (threads < 0) {
        throw new IllegalArgumentException("expected intra-op threads >= 0, found " + threads);
      }
      this.intraOpThreads = threads;
      return this;
    }

    /** The graph optimisation level. */
    public Builder optimizationLevel(OptimizationLevel level) {
      this.optimizationLevel = Objects.requireNonNull(level, "level");
      return this;
    }

    /** The execution provider to ask for. */
    public Builder executionProvider(ExecutionProvider provider) {
      this.executionProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Whether to re-run the golden pairs at load (default true). */
    public Builder verifyGolden(boolean verify) {
      this.verifyGolden = verify;
      return this;
    }

    /** Where warnings go, one line each. */
    public Builder warnings(Consumer<String> sink) {
      this.warnings = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** The options. */
    public ClassifierOptions build() {
      return new ClassifierOptions(this);
    }
  }
}
