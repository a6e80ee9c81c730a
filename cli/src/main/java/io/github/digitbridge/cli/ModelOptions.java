package io.github.digitbridge.cli;

import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.ClassifierOptions.ExecutionProvider;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options every model command takes, added to each by {@link #addTo}. Their defaults are the
 * library's ({@link ClassifierOptions#defaults()}), so the CLI runs a model as an embedding
 * application would.
 */
final class ModelOptions {
  CommandSpec command;

  Path model;

  int batch = ClassifierOptions.DEFAULT_BATCH_SIZE;

  int threads = ClassifierOptions.DEFAULT_INTRA_OP_THREADS;

  ExecutionProvider provider = ExecutionProvider.CPU;

  boolean noGolden;

  /** Adds these options to a command's spec, bound to this object's fields. */
  void addTo(CommandSpec spec) {
    command = spec;
    spec.addOption(
        Binding.path("--model", "FILE", "The model.", () -> model, value -> model = value)
            .required(true)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--batch")
                    .paramLabel("N")
                    .description("Images per ONNX Runtime call (default: ${DEFAULT-VALUE})."),
                int.class,
                ClassifierOptions.DEFAULT_BATCH_SIZE,
                () -> batch,
                value -> batch = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--threads")
                    .paramLabel("T")
                    .description(
                        "Intra-op threads, 0 for ONNX Runtime's default (default:"
                            + " ${DEFAULT-VALUE})."),
                int.class,
                ClassifierOptions.DEFAULT_INTRA_OP_THREADS,
                () -> threads,
                value -> threads = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--provider")
                    .paramLabel("cpu|cuda")
                    .description("The execution provider (default: cpu)."),
                ExecutionProvider.class,
                ExecutionProvider.CPU,
                () -> provider,
                value -> provider = value)
            .build());
    spec.addOption(
        Binding.flag(
            "--no-golden",
            "Skip the golden check when the model loads.",
            () -> noGolden,
            value -> noGolden = value));
  }

  /**
   * The library's options for these values.
   *
   * @param console where the classifier's warnings go
   * @throws picocli.CommandLine.ParameterException if {@code --batch} is below 1 or {@code
   *     --threads} below 0
   */
  ClassifierOptions options(Console console) {
    return options(console::warn);
  }

  private ClassifierOptions options(Consumer<String> warnings) {
    return ClassifierOptions.builder()
        .batchSize(Subcommand.atLeast(command, "--batch", batch, 1))
        .intraOpThreads(Subcommand.atLeast(command, "--threads", threads, 0))
        .executionProvider(provider)
        .verifyGolden(!noGolden)
        .warnings(warnings)
        .build();
  }

  /** Opens the model; the caller closes it. */
  DigitClassifier open(ClassifierOptions options) throws ModelException {
    return DigitClassifier.open(model, options);
  }

  /**
   * Starts opening the model on another thread, so that the command reads its input meanwhile: in a
   * one-image {@code predict} opening the model and reading the image were the two largest parts of
   * the work after the JVM's own start, one after the other on one core of two. The options are
   * {@link #options(Console)}'s; the classifier's warnings are held back until {@link
   * Opening#await()}, so that they come out where opening the model in line prints them.
   *
   * @throws picocli.CommandLine.ParameterException as {@link #options(Console)}
   */
  Opening openInBackground(Console console) {
    List<String> held = Collections.synchronizedList(new ArrayList<>());
    ClassifierOptions options = options(held::add);
    FutureTask<DigitClassifier> task = new FutureTask<>(() -> open(options));
    Thread thread = new Thread(task, "digitbridge-open-model");
    thread.setDaemon(true);
    thread.start();
    return new Opening(task, held, console);
  }

  /** A model opening on another thread: {@link #await()} it, or {@link #discard()} it. */
  static final class Opening {
    private final FutureTask<DigitClassifier> task;
    private final List<String> warnings;
    private final Console console;

    private Opening(FutureTask<DigitClassifier> task, List<String> warnings, Console console) {
      this.task = task;
      this.warnings = warnings;
      this.console = console;
    }

    /**
     * The classifier, after the warnings its opening gave; the caller closes it.
     *
     * @throws ModelException as {@link DigitClassifier#open}, the very exception it threw
     */
    DigitClassifier await() throws ModelException {
      DigitClassifier classifier;
      try {
        classifier = task.get();
      } catch (ExecutionException e) {
        warnings.forEach(console::warn);
        Throwable cause = e.getCause();
        if (cause instanceof ModelException model) {
          throw model;
        }
        if (cause instanceof RuntimeException unchecked) {
          throw unchecked;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw new IllegalStateException(cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the model opened", e);
      }
      warnings.forEach(console::warn);
      return classifier;
    }

    /**
     * For a command that fails before it needs the model: waits for the opening and closes what it
     * opened, silently (the command's own error is the one to report).
     */
    void discard() {
      try {
        task.get().close();
      } catch (ExecutionException | RuntimeException e) {
        // the model would have failed too; the command reports its own, earlier error
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What a run is on, for a summary line: {@code CPU, batch 16, 1 intra-op thread, ...}. */
  static String settings(DigitClassifier classifier) {
    return classifier.executionProvider() + ", " + classifier.options();
  }
}
