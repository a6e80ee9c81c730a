package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxArray;
import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.IdxReader;
import io.github.digitbridge.model.DigitClassifier;
import io.github.digitbridge.model.ModelCard;
import io.github.digitbridge.model.ModelException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * {@code bench-infer --model M --images I [--repeat R] [--warmup W] [--json]}: batch inference
 * throughput, as the median of R timed runs over the whole image file after W warm-up runs.
 *
 * <p>Two figures: from uint8 pixels (what {@code evaluate} does: decode and run), and from the
 * already-scaled float32 tensor (ONNX Runtime alone, the figure to hold against Python's {@code
 * session.run} on the same batch and thread count). The two kinds of run alternate, so drift in the
 * machine's load hits both alike. Also the median time of {@link IdxReader#read} of the image file,
 * and, when a card sits beside the model, the achieved GFLOP/s from its {@code flops_per_image}, so
 * the figure reads as a fraction of the CPU's peak.
 */
final class BenchInferCommand extends Command {
  private static final int DEFAULT_REPEAT = 5;
  private static final int DEFAULT_WARMUP = 2;

  private record Options(ModelArgs model, Path images, int repeat, int warmup, boolean json) {}

  /** One timed run. */
  @FunctionalInterface
  private interface Work {
    void run() throws IdxException, ModelException;
  }

  BenchInferCommand() {
    super(
        "bench-infer",
        ModelArgs.USAGE + " --images FILE [--repeat R] [--warmup W] [--json]",
        "median images/s of batch inference (from uint8 and from float32), IDX read time, GFLOP/s");
  }

  private static Options parse(Args args, Console console) throws UsageException {
    boolean json = args.flag("--json");
    ModelArgs model = ModelArgs.parse(args, console);
    Path images = Path.of(args.requiredOption("--images"));
    int repeat = args.intOption("--repeat", DEFAULT_REPEAT, 1);
    int warmup = args.intOption("--warmup", DEFAULT_WARMUP, 0);
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument " + args.positionals().get(0));
    }
    return new Options(model, images, repeat, warmup, json);
  }

  @Override
  int run(Args args, Console console) throws UsageException, IdxException, ModelException {
    Options options = parse(args, console);
    Path cardFile = ModelCard.besideModel(options.model().model());
    OptionalLong flops =
        Files.isRegularFile(cardFile)
            ? ModelCard.read(cardFile).flopsPerImage()
            : OptionalLong.empty();

    IdxArray images = IdxReader.read(options.images()); // a bad file fails here, before any timing
    double[] readMs = new double[options.repeat()];
    for (int i = 0; i < options.repeat(); i++) {
      readMs[i] = millis(() -> IdxReader.read(options.images()));
    }

    double[] uint8Ms = new double[options.repeat()];
    double[] floatMs = new double[options.repeat()];
    String description;
    int count;
    try (DigitClassifier classifier = options.model().open()) {
      FloatBuffer scaled = classifier.preprocess(images);
      count = scaled.capacity() / classifier.contract().pixelsPerImage();
      Work fromUint8 = () -> classifier.predict(images);
      Work fromFloat = () -> classifier.predict(scaled, count);
      for (int i = 0; i < options.warmup(); i++) {
        fromUint8.run();
        fromFloat.run();
      }
      for (int i = 0; i < options.repeat(); i++) {
        uint8Ms[i] = millis(fromUint8);
        floatMs[i] = millis(fromFloat);
      }
      description =
          String.format(
              Locale.ROOT,
              "%s (%s): %d images from %s; %s; %d runs after %d warm-up runs",
              classifier.name(),
              options.model().model(),
              count,
              options.images(),
              ModelArgs.settings(classifier),
              options.repeat(),
              options.warmup());
    }

    double read = Timing.median(readMs);
    double uint8 = Timing.median(uint8Ms);
    double scaled = Timing.median(floatMs);
    double uint8Rate = count / (uint8 / 1000);
    double floatRate = count / (scaled / 1000);
    PrintStream out = console.out();
    if (options.json()) {
      Json json =
          new Json()
              .field("model", options.model().model().toString())
              .field("images", options.images().toString())
              .field("count", count)
              .field("batch", options.model().options().batchSize())
              .field("threads", options.model().options().intraOpThreads())
              .field("repeat", options.repeat())
              .field("warmup", options.warmup())
              .field("idx_read_ms", read)
              .field("uint8_ms", uint8)
              .field("uint8_images_per_s", uint8Rate)
              .field("float32_ms", scaled)
              .field("float32_images_per_s", floatRate);
      if (flops.isPresent()) {
        json.field("flops_per_image", flops.getAsLong())
            .field("float32_gflops_per_s", flops.getAsLong() * floatRate / 1e9);
      }
      out.println(json);
      return Main.OK;
    }
    out.println("bench-infer: " + description);
    out.printf(Locale.ROOT, "idx read: median %.1f ms%n", read);
    out.printf(
        Locale.ROOT,
        "from uint8 (decode + inference): median %.1f ms = %.0f images/s%n",
        uint8,
        uint8Rate);
    out.printf(
        Locale.ROOT,
        "from float32 (inference only): median %.1f ms = %.0f images/s%n",
        scaled,
        floatRate);
    if (flops.isPresent()) {
      out.printf(
          Locale.ROOT,
          "flops: %d per image (card %s): %.2f GFLOP/s achieved (inference only)%n",
          flops.getAsLong(),
          cardFile,
          flops.getAsLong() * floatRate / 1e9);
    } else {
      out.println("flops: unknown (no card at " + cardFile + ")");
    }
    return Main.OK;
  }

  private static double millis(Work work) throws IdxException, ModelException {
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e6;
  }
}
