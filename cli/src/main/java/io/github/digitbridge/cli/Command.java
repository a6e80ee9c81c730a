package io.github.digitbridge.cli;

import io.github.digitbridge.idx.IdxException;
import io.github.digitbridge.model.ModelException;

/** One subcommand of the CLI. A new command extends this and is listed in {@link Main}. */
abstract class Command {
  private final String name;
  private final String arguments;
  private final String summary;

  /**
   * Describes the command for usage lines and {@code --help}.
   *
   * @param name the word that selects the command, e.g. {@code idx-info}
   * @param arguments the arguments part of the usage line, e.g. {@code [--json] FILE...}
   * @param summary one line saying what the command does
   */
  Command(String name, String arguments, String summary) {
    this.name = name;
    this.arguments = arguments;
    this.summary = summary;
  }

  final String name() {
    return name;
  }

  final String arguments() {
    return arguments;
  }

  final String summary() {
    return summary;
  }

  /**
   * Runs the command.
   *
   * @param args the arguments after the command name, {@code --debug} already removed
   * @param console where to write
   * @return the exit code, one of {@link Main#OK}, {@link Main#CHECK_FAILED}, {@link
   *     Main#BAD_INPUT}
   * @throws UsageException if the arguments do not parse
   * @throws IdxException if an input file is bad and the command cannot go on
   * @throws ModelException if a model cannot be used or fails its checks
   */
  abstract int run(Args args, Console console) throws UsageException, IdxException, ModelException;
}
