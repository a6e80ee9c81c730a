package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.model.ModelException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * One subcommand of the CLI. A command builds its picocli spec in code ({@link #declare}, then its
 * options bound to its fields), so that picocli reads no annotation when it runs, which was most of
 * its start-up; picocli fills the fields from the command line, then {@link Main} calls {@link
 * #run}. A new command extends this and is listed in {@link Main#COMMANDS} and {@link
 * Main#DECLARED}.
 */
abstract class Subcommand {
  CommandSpec spec;

  boolean help;

  /**
   * Starts this command's spec: its name, its description and {@code -h}/{@code --help}; {@link
   * #spec} is set to it.
   */
  CommandSpec declare(String name, String... description) {
    spec = CommandSpec.wrapWithoutInspection(this).name(name);
    spec.usageMessage().description(description);
    spec.addOption(
        Binding.bind(
                OptionSpec.builder("-h", "--help")
                    .usageHelp(true)
                    .description("Print this command's help and exit."),
                boolean.class,
                false,
                () -> help,
                value -> help = value)
            .build());
    return spec;
  }

  /**
   * Runs the command.
   *
   * @param console where to write
   * @return the exit code, one of {@link Main#OK}, {@link Main#CHECK_FAILED}, {@link
   *     Main#BAD_INPUT}
   * @throws ParameterException if the options break a rule picocli does not check (see {@link
   *     #atLeast})
   * @throws IdxException if an input file is bad and the command cannot go on
   * @throws ModelException if a model cannot be used or fails its checks
   */
  abstract int run(Console console) throws IdxException, ModelException;

  /** A usage error of this command, reported by {@link Main} as its one usage line. */
  ParameterException usage(String problem) {
    return new ParameterException(spec.commandLine(), problem);
  }

  /** {@code value}, the value of {@code option}, if it is at least {@code min}. */
  int atLeast(String option, int value, int min) {
    return atLeast(spec, option, value, min);
  }

  static int atLeast(CommandSpec spec, String option, int value, int min) {
    if (value < min) {
      throw new ParameterException(
          spec.commandLine(), "expected " + option + " of at least " + min + ", found " + value);
    }
    return value;
  }
}
