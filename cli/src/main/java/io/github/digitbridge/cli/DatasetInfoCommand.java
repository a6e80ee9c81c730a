package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.idx.MnistDataset;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dataset-info --images I --labels L [--json]}: loads a dataset with all its checks and
 * prints the count, the class histogram and both checksums.
 */
// The name only, for the tests that match it with Main.COMMANDS: the spec is built in spec().
@Command(name = "dataset-info")
final class DatasetInfoCommand extends Subcommand {
  Path images;

  Path labels;

  boolean json;

  /** This command's spec, built in code: picocli reads no annotation when it runs. */
  CommandSpec spec() {
    CommandSpec spec =
        declare(
            "dataset-info",
            "check an image file and a label file together; print count, classes and sha256s");
    spec.addOption(
        Binding.path("--images", "FILE", "IDX images.", () -> images, value -> images = value)
            .required(true)
            .build());
    spec.addOption(
        Binding.path("--labels", "FILE", "IDX labels.", () -> labels, value -> labels = value)
            .required(true)
            .build());
    spec.addOption(Binding.flag("--json", "One JSON object.", () -> json, value -> json = value));
    return spec;
  }

  @Override
  int run(Console console) throws IdxException {
    MnistDataset dataset = MnistDataset.load(images, labels);
    PrintStream out = console.out();
    if (json) {
      out.println(
          new Json()
              .field("images", images.toString())
              .field("labels", labels.toString())
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
      out.println("images: " + images + " sha256=" + dataset.imageArray().sha256());
      out.println("labels: " + labels + " sha256=" + dataset.labelArray().sha256());
      out.println("count=" + dataset.count() + " classes=" + classes);
    }
    return Main.OK;
  }
}
