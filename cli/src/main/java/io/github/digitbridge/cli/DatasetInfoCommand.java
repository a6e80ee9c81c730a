package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code dataset-info --images I --labels L [--json]}: loads a dataset with all its checks and
 * prints the count, the class histogram and both checksums.
 */
final class DatasetInfoCommand extends Command {
  private record Options(Path images, Path labels, boolean json) {}

  DatasetInfoCommand() {
    super(
        "dataset-info",
        "--images FILE --labels FILE [--json]",
        "check an image file and a label file together; print count, classes and sha256s");
  }

  private static Options parse(Args args) throws UsageException {
    boolean json = args.flag("--json");
    String images = args.requiredOption("--images");
    String labels = args.requiredOption("--labels");
    args.requireNoPositionals();
    return new Options(Path.of(images), Path.of(labels), json);
  }

  @Override
  int run(Args args, Console console) throws UsageException, IdxException {
    Options options = parse(args);
    MnistDataset dataset = MnistDataset.load(options.images(), options.labels());
    PrintStream out = console.out();
    if (options.json()) {
      out.println(
          new Json()
              .field("images", options.images().toString())
              .field("labels", options.labels().toString())
              .field("count", dataset.count())
              .field("class_counts", dataset.classCounts())
              .field("images_sha256", dataset.imageArray().sha256())
              .field("labels_sha256", dataset.labelArray().sha256()));
    } else {
      StringBuilder classes = new StringBuilder();
      int[] counts = dataset.classCounts();
      for (int label = 0; label < counts.length; label++) {
        classes.append(label == 0 ? "" : " ").append(label).append(':').append(counts[label]);
      }
      out.println("images: " + options.images() + " sha256=" + dataset.imageArray().sha256());
      out.println("labels: " + options.labels() + " sha256=" + dataset.labelArray().sha256());
      out.println("count=" + dataset.count() + " classes=" + classes);
    }
    return Main.OK;
  }
}
