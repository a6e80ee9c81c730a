package io.github.digitbridge.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The arguments of one command, consumed piece by piece: flags and options first, then {@link
 * #positionals()}, which refuses whatever option is left unclaimed.
 */
final class Args {
  private final List<String> tokens;
  private final List<String> afterSeparator;

  Args(List<String> tokens) {
    int separator = tokens.indexOf("--");
    if (separator < 0) {
      this.tokens = new ArrayList<>(tokens);
      this.afterSeparator = List.of();
    } else {
      this.tokens = new ArrayList<>(tokens.subList(0, separator));
      this.afterSeparator = List.copyOf(tokens.subList(separator + 1, tokens.size()));
    }
  }

  /** Removes every occurrence of a flag such as {@code --json}; true if there was one. */
  boolean flag(String name) {
    return tokens.removeIf(name::equals);
  }

  /**
   * Removes an option given as {@code --name VALUE} or {@code --name=VALUE}.
   *
   * @throws UsageException if the value is missing or the option is given twice
   */
  Optional<String> option(String name) throws UsageException {
    Optional<String> value = Optional.empty();
    for (int i = 0; i < tokens.size(); ) {
      String token = tokens.get(i);
      String found;
      if (token.equals(name)) {
        if (i + 1 >= tokens.size()) {
          throw new UsageException("expected a value after " + name);
        }
        found = tokens.remove(i + 1);
        tokens.remove(i);
      } else if (token.startsWith(name + "=")) {
        found = token.substring(name.length() + 1);
        tokens.remove(i);
      } else {
        i++;
        continue;
      }
      if (value.isPresent()) {
        throw new UsageException("expected " + name + " once, found it twice");
      }
      value = Optional.of(found);
    }
    return value;
  }

  /**
   * Removes a required option.
   *
   * @throws UsageException if it is missing, lacks its value or is given twice
   */
  String requiredOption(String name) throws UsageException {
    return option(name).orElseThrow(() -> new UsageException("expected " + name + " VALUE"));
  }

  /**
   * Removes an optional whole-number option.
   *
   * @param name e.g. {@code --repeat}
   * @param defaultValue the value when the option is absent
   * @param min the smallest value accepted
   * @throws UsageException if the value is not a whole number, is below {@code min}, is missing or
   *     the option is given twice
   */
  int intOption(String name, int defaultValue, int min) throws UsageException {
    Optional<String> text = option(name);
    if (text.isEmpty()) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(text.get());
    } catch (NumberFormatException e) {
      throw new UsageException("expected " + name + " to be a whole number, found " + text.get());
    }
    if (value < min) {
      throw new UsageException("expected " + name + " of at least " + min + ", found " + value);
    }
    return value;
  }

  /**
   * The remaining words, in order.
   *
   * @throws UsageException if an unclaimed option is left (a word starting with {@code -}; put file
   *     names that start with one after {@code --})
   */
  List<String> positionals() throws UsageException {
    for (String token : tokens) {
      if (token.startsWith("-") && token.length() > 1) {
        throw new UsageException("unknown option " + token);
      }
    }
    List<String> all = new ArrayList<>(tokens);
    all.addAll(afterSeparator);
    return all;
  }

  /**
   * For commands that take no words: checks that none is left.
   *
   * @throws UsageException if an unclaimed option or any word is left
   */
  void requireNoPositionals() throws UsageException {
    List<String> left = positionals();
    if (!left.isEmpty()) {
      throw new UsageException("unexpected argument " + left.get(0));
    }
  }
}
