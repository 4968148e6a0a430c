package io.steadyproxy;

import java.util.ArrayList;
import java.util.List;

/**
 * What the command line asks for: a mode ({@code --help}, {@code --version}, {@code --check}, or
 * running the proxy) and the setting flags, which {@link io.steadyproxy.config.ConfigLoader} reads.
 * The mode flags are recognised anywhere on the line, as in nginx and Envoy; when several are
 * given, help wins over version, and version over check.
 *
 * @param mode what to do
 * @param settings the arguments left for the settings
 */
record CommandLine(Mode mode, List<String> settings) {

  /** What to do. */
  enum Mode {
    /** Start the proxy. */
    RUN,
    /** Read and check the settings from every source, report, and exit 0 or 2. */
    CHECK,
    /** Print the usage and every setting. */
    HELP,
    /** Print the version. */
    VERSION
  }

  CommandLine {
    settings = List.copyOf(settings);
  }

  static CommandLine parse(String[] args) {
    Mode mode = Mode.RUN;
    List<String> settings = new ArrayList<>();
    for (String arg : args) {
      Mode m =
          switch (arg) {
            case "--help", "-h" -> Mode.HELP;
            case "--version" -> Mode.VERSION;
            case "--check" -> Mode.CHECK;
            default -> null;
          };
      if (m == null) {
        settings.add(arg);
      } else if (m.ordinal() > mode.ordinal()) {
        mode = m;
      }
    }
    return new CommandLine(mode, settings);
  }
}
