package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.model.ClassifierOptions;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code bench-infer --model M --images I [--limit N] [--repeat R] [--warmup W] [--json]
 * [--paired]}: batch inference throughput, as the median of R timed runs over the image file (its
 * first N images with {@code --limit}) after W warm-up runs.
 *
 * <p>Two figures: from uint8 pixels (what {@code evaluate} does: decode and run), and from the
 * already-scaled float32 tensor (ONNX Runtime alone, the figure to hold against Python's {@code
 * session.run} on the same batch and thread count). The two kinds of run alternate, so drift in the
 * machine's load hits both alike. Also the median time of {@link IdxReader#read} of the image file,
 * and, when a card sits beside the model, the achieved GFLOP/s from its {@code flops_per_image}, so
 * the figure reads as a fraction of the CPU's peak.
 *
 * <p>{@code --paired} is for a driver that interleaves its own runs with ours ({@code python -m
 * pybridge.bench_infer}): after the warm-up it prints one JSON line {@code {"ready": true, ...}},
 * then runs one round (R runs of each kind) for every line it reads from standard input and prints
 * that round's medians as one JSON line, until the input ends. On a shared machine the load drifts
 * by more than the difference being measured; rounds taken turn about with the driver's compare
 * both runtimes under the same load.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "bench-infer")
final class BenchInferCommand extends Subcommand {
  final ModelOptions model = new ModelOptions();

  Path images;

  int limit = Integer.MAX_VALUE;

  int repeat = DEFAULT_REPEAT;

  int warmup = DEFAULT_WARMUP;

  boolean json;

  boolean paired;

  private static final int DEFAULT_REPEAT = 5;
  private static final int DEFAULT_WARMUP = 2;

  /** The command line, once checked. */
  private record Options(
      ModelOptions model,
      ClassifierOptions modelOptions,
      Path images,
      int limit,
      int repeat,
      int warmup,
      boolean json,
      boolean paired) {}

  /** The medians of one round of runs, in milliseconds. */
  private record Round(double uint8Ms, double floatMs) {}

  /**
   * The first {@code count} images, both as uint8 pixels and as the float32 tensor made of them,
   * and the classifier that runs them.
   */
  private record Batch(
      DigitClassifier classifier, ByteBuffer uint8, FloatBuffer scaled, int count) {
    void warmUp(int runs) throws ModelException {
      for (int i = 0; i < runs; i++) {
        classifier.predict(uint8, count);
        classifier.predict(scaled, count);
      }
    }

    /** {@code repeat} runs of each kind, alternating; their medians. */
    Round round(int repeat) throws ModelException {
      double[] uint8Ms = new double[repeat];
      double[] floatMs = new double[repeat];
      for (int i = 0; i < repeat; i++) {
        uint8Ms[i] = Timing.millis(() -> classifier.predict(uint8, count));
        floatMs[i] = Timing.millis(() -> classifier.predict(scaled, count));
      }
      return new Round(Timing.median(uint8Ms), Timing.median(floatMs));
    }
  }

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "bench-infer",
            "median images/s of batch inference (from uint8 and from float32), IDX read time, GFLOP/s");
    model.addTo(spec);
    spec.addOption(
        Binding.path("--images", "FILE", "IDX images.", () -> images, value -> images = value)
            .required(true)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--limit")
                    .paramLabel("N")
                    .description("Only the first N images (default: all)."),
                int.class,
                Integer.MAX_VALUE,
                () -> limit,
                value -> limit = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--repeat")
                    .paramLabel("R")
                    .description("Timed runs of each kind per round (default: ${DEFAULT-VALUE})."),
                int.class,
                DEFAULT_REPEAT,
                () -> repeat,
                value -> repeat = value)
            .build());
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("--warmup")
                    .paramLabel("W")
                    .description("Untimed runs of each kind first (default: ${DEFAULT-VALUE})."),
                int.class,
                DEFAULT_WARMUP,
                () -> warmup,
                value -> warmup = value)
            .build());
    spec.addOption(Binding.flag("--json", "One JSON object.", () -> json, value -> json = value));
    spec.addOption(
        Binding.flag(
            "--paired",
            "Take turns with a driver: one round per line read on standard input.",
            () -> paired,
            value -> paired = value));
    return spec;
  }

  @Override
  int run(Console console) throws IdxException, ModelException {
    Options options =
        new Options(
            model,
            model.options(console),
            images,
            atLeast("--limit", limit, 1),
            atLeast("--repeat", repeat, 1),
            atLeast("--warmup", warmup, 0),
            json,
            paired);
    IdxArray data = IdxReader.read(images); // a bad file fails here, before any timing
    try (DigitClassifier classifier = model.open(options.modelOptions())) {
      int count = Math.min(options.limit(), classifier.imageCount(data));
      ByteBuffer uint8 = data.data();
      Batch batch = new Batch(classifier, uint8, classifier.preprocess(uint8, count), count);
      batch.warmUp(options.warmup());
      return options.paired() ? paired(options, batch, console) : single(options, batch, console);
    }
  }

  /** One round, with the IDX read time and the GFLOP/s, as text or one JSON line. */
  private static int single(Options options, Batch batch, Console console)
      throws IdxException, ModelException {
    Optional<ModelCard> card = ModelCard.findBeside(options.model().model);
    OptionalLong flops = card.map(ModelCard::flopsPerImage).orElse(OptionalLong.empty());
    double[] readMs = new double[options.repeat()];
    for (int i = 0; i < options.repeat(); i++) {
      readMs[i] = Timing.millis(() -> IdxReader.read(options.images()));
    }
    Round round = batch.round(options.repeat());
    int count = batch.count();
    double read = Timing.median(readMs);
    double uint8Rate = count / (round.uint8Ms() / 1000);
    double floatRate = count / (round.floatMs() / 1000);
    PrintStream out = console.out();
    if (options.json()) {
      Json json =
          settings(new Json(), options, count)
              .field("idx_read_ms", read)
              .field("uint8_ms", round.uint8Ms())
              .field("uint8_images_per_s", uint8Rate)
              .field("float32_ms", round.floatMs())
              .field("float32_images_per_s", floatRate);
      if (flops.isPresent()) {
        json.field("flops_per_image", flops.getAsLong())
            .field("float32_gflops_per_s", flops.getAsLong() * floatRate / 1e9);
      }
      out.println(json);
      return Main.OK;
    }
    out.printf(
        Locale.ROOT,
        "bench-infer: %s (%s): %d images from %s; %s; %d runs after %d warm-up runs%n",
        batch.classifier().name(),
        options.model().model,
        count,
        options.images(),
        ModelOptions.settings(batch.classifier()),
        options.repeat(),
        options.warmup());
    out.printf(Locale.ROOT, "idx read: median %.1f ms%n", read);
    out.printf(
        Locale.ROOT,
        "from uint8 (decode + inference): median %.1f ms = %.0f images/s%n",
        round.uint8Ms(),
        uint8Rate);
    out.printf(
        Locale.ROOT,
        "from float32 (inference only): median %.1f ms = %.0f images/s%n",
        round.floatMs(),
        floatRate);
    if (flops.isPresent()) {
      out.printf(
          Locale.ROOT,
          "flops: %d per image (card %s): %.2f GFLOP/s achieved (inference only)%n",
          flops.getAsLong(),
          card.get().file(),
          flops.getAsLong() * floatRate / 1e9);
    } else {
      out.println(
          "flops: unknown (no card at " + ModelCard.besideModel(options.model().model) + ")");
    }
    return Main.OK;
  }

  /** The {@code --paired} protocol: a ready line, then one round per input line. */
  private static int paired(Options options, Batch batch, Console console) throws ModelException {
    PrintStream out = console.out();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(console.in(), StandardCharsets.UTF_8));
    out.println(
        settings(new Json().field("ready", true), options, batch.count())
            .field("settings", ModelOptions.settings(batch.classifier())));
    out.flush();
    try {
      int index = 0;
      while (in.readLine() != null) {
        Round round = batch.round(options.repeat());
        out.println(
            new Json()
                .field("round", index++)
                .field("uint8_ms", round.uint8Ms())
                .field("float32_ms", round.floatMs()));
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the rounds from standard input", e);
    }
    return Main.OK;
  }

  private static Json settings(Json json, Options options, int count) {
    return json.field("model", options.model().model.toString())
        .field("images", options.images().toString())
        .field("count", count)
        .field("batch", options.modelOptions().batchSize())
        .field("threads", options.modelOptions().intraOpThreads())
        .field("repeat", options.repeat())
        .field("warmup", options.warmup());
  }
}
