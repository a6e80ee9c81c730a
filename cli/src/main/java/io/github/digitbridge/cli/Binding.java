package io.github.digitbridge.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * An option's value kept in a command's field, for a command whose picocli spec is built in code:
 * picocli sets the field through this (and resets it to the option's initial value before it
 * parses) instead of finding the field by reflection.
 *
 * @param <V> the field's type, boxed
 */
final class Binding<V> implements IGetter, ISetter {
  private final Supplier<V> getter;
  private final Consumer<V> setter;

  private Binding(Supplier<V> getter, Consumer<V> setter) {
    this.getter = getter;
    this.setter = setter;
  }

  /**
   * {@code builder} with its type and initial value, bound to a field through {@code getter} and
   * {@code setter}. The initial value is what an annotated field's initializer gave: the default
   * that {@code ${DEFAULT-VALUE}} shows and that the field is reset to before picocli parses.
   */
  static <V> OptionSpec.Builder bind(
      OptionSpec.Builder builder,
      Class<?> type,
      V initial,
      Supplier<V> getter,
      Consumer<V> setter) {
    Binding<V> binding = new Binding<>(getter, setter);
    return builder.type(type).initialValue(initial).getter(binding).setter(binding);
  }

  /** A file or folder option, {@code --images FILE}, unset unless given, bound to a field. */
  static OptionSpec.Builder path(
      String name, String label, String description, Supplier<Path> getter, Consumer<Path> setter) {
    return bind(
        OptionSpec.builder(name).paramLabel(label).description(description),
        Path.class,
        null,
        getter,
        setter);
  }

  /**
   * The command's {@code FILE...}: one or more names, kept as given (each is read as it comes, so
   * that the first bad one stops the command), bound to a field.
   */
  static PositionalParamSpec files(
      String description, Supplier<List<String>> getter, Consumer<List<String>> setter) {
    return bind(
            PositionalParamSpec.builder()
                .paramLabel("FILE")
                .arity("1..*")
                .required(true) // what picocli derives from an annotation's arity
                .description(description)
                .auxiliaryTypes(String.class),
            List.class,
            null,
            getter,
            setter)
        .build();
  }

  /** A boolean option, false unless given ({@code --json}, {@code --segment}), bound to a field. */
  static OptionSpec flag(
      String name, String description, Supplier<Boolean> getter, Consumer<Boolean> setter) {
    return bind(
            OptionSpec.builder(name).description(description), boolean.class, false, getter, setter)
        .build();
  }

  /** {@link #bind(OptionSpec.Builder, Class, Object, Supplier, Consumer)} for a positional one. */
  static <V> PositionalParamSpec.Builder bind(
      PositionalParamSpec.Builder builder,
      Class<?> type,
      V initial,
      Supplier<V> getter,
      Consumer<V> setter) {
    Binding<V> binding = new Binding<>(getter, setter);
    return builder.type(type).initialValue(initial).getter(binding).setter(binding);
  }

  // picocli's interfaces are generic in the method: the option's type, which the spec declares.
  @Override
  @SuppressWarnings("unchecked")
  public <T> T get() {
    return (T) getter.get();
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T set(T value) {
    T old = get();
    setter.accept((V) value);
    return old;
  }
}
