package io.steadyproxy.observe;

import java.util.Arrays;
import java.util.Set;

/**
 * The named values of one log event, in order. Pass them as the only parameter of a record ({@code
 * logger.log(Level.INFO, "", fields)}) and the log's format lays them out: {@code name=value} after
 * the message in {@code text}, one member each in {@code json}. The access log builds one per
 * request; formatting happens later, on the log's writer thread, not on the request's.
 *
 * <p>Values are kept as given: numbers and booleans stay JSON numbers and booleans, anything else
 * is written as its {@code toString()}; {@code null} is {@code -} in text and {@code null} in JSON.
 * Give only immutable values (strings, boxed numbers): the line is formatted after the call
 * returns.
 */
public final class LogFields {
  /** The names every line already has; a field may not take one. */
  static final Set<String> RESERVED =
      Set.of(
          "time",
          "level",
          "logger",
          "message",
          "exception_class",
          "exception_message",
          "stack_trace");

  private String[] names;
  private Object[] values;
  private int size;

  private LogFields(int capacity) {
    names = new String[capacity];
    values = new Object[capacity];
  }

  /**
   * An empty set of fields.
   *
   * @param capacity how many fields are expected (it grows if more are added)
   */
  public static LogFields withCapacity(int capacity) {
    return new LogFields(Math.max(1, capacity));
  }

  /**
   * Adds a field.
   *
   * @param name a stable snake_case name, not one of the line's own ({@code time}, {@code level},
   *     {@code logger}, {@code message}, {@code exception_class}, {@code exception_message}, {@code
   *     stack_trace})
   * @param value a string, number, boolean or {@code null}
   * @return these fields
   * @throws IllegalArgumentException if the name is reserved (a programming mistake)
   */
  public LogFields add(String name, Object value) {
    if (RESERVED.contains(name)) {
      throw new IllegalArgumentException("log field name '" + name + "' is reserved");
    }
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    names[size] = name;
    values[size] = value;
    size++;
    return this;
  }

  /** How many fields there are. */
  public int size() {
    return size;
  }

  /** The name of field {@code i}. */
  public String name(int i) {
    return names[i];
  }

  /** The value of field {@code i}. */
  public Object value(int i) {
    return values[i];
  }

  /**
   * A duration in milliseconds to two decimals, written as a plain decimal number ({@code 1.33},
   * {@code 12.0}) in both formats: a number in JSON, never in exponent form.
   *
   * @param hundredths hundredths of a millisecond
   */
  public record Millis(long hundredths) {
    /** The duration of {@code nanos} nanoseconds, rounded to the nearest hundredth. */
    public static Millis ofNanos(long nanos) {
      return new Millis(Math.round(nanos / 10_000.0));
    }

    @Override
    public String toString() {
      return new LineBuffer().hundredths(hundredths).toString();
    }
  }
}
