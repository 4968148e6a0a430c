package io.steadyproxy.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A PromQL parser and type checker for linting the chart's alert rules and dashboard, as {@code
 * promtool check rules} parses them: the Prometheus grammar (precedence and associativity of the
 * binary operators, {@code bool}, vector matching, aggregations with {@code by}/{@code without}
 * before or after the arguments, range and subquery selectors, {@code offset} and {@code @}), every
 * function with its argument types, and the result type of each expression.
 *
 * <p>Hand-written because no well-kept PromQL parser for Java is published on Maven Central (the
 * reference parser is Go; {@code make test} may not download {@code promtool}). What it leaves out
 * are native-histogram literals, UTF-8 quoted metric names and experimental functions, none of
 * which the chart uses: an expression that uses them is refused, never passed unchecked.
 */
final class PromQl {

  /** The value types of PromQL. */
  enum Type {
    SCALAR,
    VECTOR,
    MATRIX,
    STRING
  }

  /** One label matcher of a selector: {@code label op "value"}. */
  record Matcher(String label, String op, String value) {}

  /** One series selector: the metric name (empty when given only by matchers) and its matchers. */
  record Selector(String metric, List<Matcher> matchers) {}

  /**
   * A parsed expression.
   *
   * @param type its result type
   * @param selectors every series selector in it, in order
   * @param functions every function and aggregation it calls
   */
  record Parsed(Type type, List<Selector> selectors, Set<String> functions) {

    /** The metric names it selects. */
    Set<String> metrics() {
      Set<String> names = new TreeSet<>();
      selectors.forEach(s -> names.add(s.metric()));
      names.remove("");
      return names;
    }
  }

  /** An expression PromQL refuses, with the position and what was wrong. */
  static final class PromQlException extends IllegalArgumentException {
    PromQlException(String expr, int pos, String message) {
      super(message + " at position " + pos + " in: " + expr);
    }
  }

  private record Fn(Type result, List<Type> args, int required, boolean variadic) {}

  private static final Type S = Type.SCALAR;
  private static final Type V = Type.VECTOR;
  private static final Type M = Type.MATRIX;
  private static final Type STR = Type.STRING;

  private static Fn fn(Type result, int required, boolean variadic, Type... args) {
    return new Fn(result, List.of(args), required, variadic);
  }

  /** The functions of Prometheus 2.x/3.x (stable ones), with their argument types. */
  private static final Map<String, Fn> FUNCTIONS =
      Map.ofEntries(
          Map.entry("abs", fn(V, 1, false, V)),
          Map.entry("absent", fn(V, 1, false, V)),
          Map.entry("absent_over_time", fn(V, 1, false, M)),
          Map.entry("acos", fn(V, 1, false, V)),
          Map.entry("acosh", fn(V, 1, false, V)),
          Map.entry("asin", fn(V, 1, false, V)),
          Map.entry("asinh", fn(V, 1, false, V)),
          Map.entry("atan", fn(V, 1, false, V)),
          Map.entry("atanh", fn(V, 1, false, V)),
          Map.entry("avg_over_time", fn(V, 1, false, M)),
          Map.entry("ceil", fn(V, 1, false, V)),
          Map.entry("changes", fn(V, 1, false, M)),
          Map.entry("clamp", fn(V, 3, false, V, S, S)),
          Map.entry("clamp_max", fn(V, 2, false, V, S)),
          Map.entry("clamp_min", fn(V, 2, false, V, S)),
          Map.entry("cos", fn(V, 1, false, V)),
          Map.entry("cosh", fn(V, 1, false, V)),
          Map.entry("count_over_time", fn(V, 1, false, M)),
          Map.entry("day_of_month", fn(V, 0, false, V)),
          Map.entry("day_of_week", fn(V, 0, false, V)),
          Map.entry("day_of_year", fn(V, 0, false, V)),
          Map.entry("days_in_month", fn(V, 0, false, V)),
          Map.entry("deg", fn(V, 1, false, V)),
          Map.entry("delta", fn(V, 1, false, M)),
          Map.entry("deriv", fn(V, 1, false, M)),
          Map.entry("double_exponential_smoothing", fn(V, 3, false, M, S, S)),
          Map.entry("exp", fn(V, 1, false, V)),
          Map.entry("floor", fn(V, 1, false, V)),
          Map.entry("histogram_avg", fn(V, 1, false, V)),
          Map.entry("histogram_count", fn(V, 1, false, V)),
          Map.entry("histogram_fraction", fn(V, 3, false, S, S, V)),
          Map.entry("histogram_quantile", fn(V, 2, false, S, V)),
          Map.entry("histogram_stddev", fn(V, 1, false, V)),
          Map.entry("histogram_stdvar", fn(V, 1, false, V)),
          Map.entry("histogram_sum", fn(V, 1, false, V)),
          Map.entry("holt_winters", fn(V, 3, false, M, S, S)),
          Map.entry("hour", fn(V, 0, false, V)),
          Map.entry("idelta", fn(V, 1, false, M)),
          Map.entry("increase", fn(V, 1, false, M)),
          Map.entry("irate", fn(V, 1, false, M)),
          Map.entry("label_join", fn(V, 3, true, V, STR, STR, STR)),
          Map.entry("label_replace", fn(V, 5, false, V, STR, STR, STR, STR)),
          Map.entry("last_over_time", fn(V, 1, false, M)),
          Map.entry("ln", fn(V, 1, false, V)),
          Map.entry("log10", fn(V, 1, false, V)),
          Map.entry("log2", fn(V, 1, false, V)),
          Map.entry("mad_over_time", fn(V, 1, false, M)),
          Map.entry("max_over_time", fn(V, 1, false, M)),
          Map.entry("min_over_time", fn(V, 1, false, M)),
          Map.entry("minute", fn(V, 0, false, V)),
          Map.entry("month", fn(V, 0, false, V)),
          Map.entry("pi", fn(S, 0, false)),
          Map.entry("predict_linear", fn(V, 2, false, M, S)),
          Map.entry("present_over_time", fn(V, 1, false, M)),
          Map.entry("quantile_over_time", fn(V, 2, false, S, M)),
          Map.entry("rad", fn(V, 1, false, V)),
          Map.entry("rate", fn(V, 1, false, M)),
          Map.entry("resets", fn(V, 1, false, M)),
          Map.entry("round", fn(V, 1, false, V, S)),
          Map.entry("scalar", fn(S, 1, false, V)),
          Map.entry("sgn", fn(V, 1, false, V)),
          Map.entry("sin", fn(V, 1, false, V)),
          Map.entry("sinh", fn(V, 1, false, V)),
          Map.entry("sort", fn(V, 1, false, V)),
          Map.entry("sort_desc", fn(V, 1, false, V)),
          Map.entry("sqrt", fn(V, 1, false, V)),
          Map.entry("stddev_over_time", fn(V, 1, false, M)),
          Map.entry("stdvar_over_time", fn(V, 1, false, M)),
          Map.entry("sum_over_time", fn(V, 1, false, M)),
          Map.entry("tan", fn(V, 1, false, V)),
          Map.entry("tanh", fn(V, 1, false, V)),
          Map.entry("time", fn(S, 0, false)),
          Map.entry("timestamp", fn(V, 1, false, V)),
          Map.entry("vector", fn(V, 1, false, S)),
          Map.entry("year", fn(V, 0, false, V)));

  /** Aggregation operators; the value is the type of the parameter before the vector, if any. */
  private static final Map<String, Type> AGGREGATIONS =
      Map.ofEntries(
          Map.entry("sum", V),
          Map.entry("avg", V),
          Map.entry("min", V),
          Map.entry("max", V),
          Map.entry("count", V),
          Map.entry("group", V),
          Map.entry("stddev", V),
          Map.entry("stdvar", V),
          Map.entry("topk", S),
          Map.entry("bottomk", S),
          Map.entry("quantile", S),
          Map.entry("limitk", S),
          Map.entry("limit_ratio", S),
          Map.entry("count_values", STR));

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "atan2",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool");

  /** Binary operators by precedence, lowest first (Prometheus' parser). */
  private static int precedence(String op) {
    return switch (op) {
      case "or" -> 1;
      case "and", "unless" -> 2;
      case "==", "!=", "<=", "<", ">=", ">" -> 3;
      case "+", "-" -> 4;
      case "*", "/", "%", "atan2" -> 5;
      case "^" -> 6;
      default -> -1;
    };
  }

  private static boolean comparison(String op) {
    return precedence(op) == 3;
  }

  private static boolean setOperator(String op) {
    return op.equals("and") || op.equals("or") || op.equals("unless");
  }

  private enum Kind {
    IDENT,
    NUMBER,
    DURATION,
    STRING,
    PUNCT,
    EOF
  }

  private record Token(Kind kind, String text, int pos) {
    boolean is(String s) {
      return (kind == Kind.PUNCT || kind == Kind.IDENT) && text.equalsIgnoreCase(s);
    }
  }

  private final String expr;
  private final List<Token> tokens;
  private int next;
  private final List<Selector> selectors = new ArrayList<>();
  private final Set<String> functions = new TreeSet<>();

  private PromQl(String expr) {
    this.expr = expr;
    this.tokens = lex(expr);
  }

  /**
   * Parses and type-checks an expression.
   *
   * @throws PromQlException when PromQL refuses it
   */
  static Parsed parse(String expr) {
    PromQl parser = new PromQl(expr);
    Node root = parser.expression(0);
    if (parser.peek().kind() != Kind.EOF) {
      throw parser.error(parser.peek(), "unexpected " + describe(parser.peek()));
    }
    return new Parsed(root.type(), List.copyOf(parser.selectors), Set.copyOf(parser.functions));
  }

  /** A parsed sub-expression: its type, and whether it is a bare selector (for {@code [5m]}). */
  private record Node(Type type, boolean selector, boolean modified) {}

  private Node expression(int minPrecedence) {
    Node left = unary();
    while (true) {
      Token op = peek();
      String name = operatorName(op);
      int prec = name == null ? -1 : precedence(name);
      if (prec < 0 || prec < minPrecedence) {
        return left;
      }
      next++;
      boolean bool = false;
      if (peek().is("bool")) {
        if (!comparison(name)) {
          throw error(peek(), "bool modifier on a non-comparison operator " + name);
        }
        bool = true;
        next++;
      }
      boolean matching = false;
      if (peek().is("on") || peek().is("ignoring")) {
        next++;
        labelList();
        matching = true;
        if (peek().is("group_left") || peek().is("group_right")) {
          if (setOperator(name)) {
            throw error(peek(), "no grouping allowed for " + name);
          }
          next++;
          if (peek().is("(")) {
            labelList();
          }
        }
      }
      // ^ is right-associative, the others left-associative
      Node right = expression(name.equals("^") ? prec : prec + 1);
      left = binary(op, name, left, right, bool, matching);
    }
  }

  private Node binary(Token at, String op, Node left, Node right, boolean bool, boolean matching) {
    for (Node side : List.of(left, right)) {
      if (side.type() != S && side.type() != V) {
        throw error(
            at, "binary " + op + " needs scalar or instant vector operands, got " + side.type());
      }
    }
    boolean vectors = left.type() == V && right.type() == V;
    if (setOperator(op) && !vectors) {
      throw error(at, "set operator " + op + " needs instant vectors on both sides");
    }
    if (matching && !vectors) {
      throw error(at, "vector matching only applies between two instant vectors");
    }
    if (comparison(op) && left.type() == S && right.type() == S && !bool) {
      throw error(at, "comparisons between scalars must use the bool modifier");
    }
    Type type = left.type() == V || right.type() == V ? V : S;
    return new Node(type, false, false);
  }

  private Node unary() {
    Token t = peek();
    if (t.is("-") || t.is("+")) {
      next++;
      // binds tighter than * and looser than ^: -2^2 is -(2^2)
      Node operand = expression(precedence("^"));
      if (operand.type() != S && operand.type() != V) {
        throw error(t, "unary " + t.text() + " needs a scalar or an instant vector");
      }
      return new Node(operand.type(), false, false);
    }
    return postfix(primary());
  }

  private Node postfix(Node node) {
    while (true) {
      Token t = peek();
      if (t.is("[")) {
        next++;
        Token range = expect(Kind.DURATION, "a duration");
        if (peek().is(":")) {
          next++;
          if (peek().kind() == Kind.DURATION) {
            next++;
          }
          expect("]");
          if (node.type() != V) {
            throw error(t, "subquery needs an instant vector, got " + node.type());
          }
          node = new Node(M, false, false);
        } else {
          expect("]");
          if (!node.selector() || node.modified()) {
            throw error(
                t, "a range [" + range.text() + "] needs a plain series selector before it");
          }
          node = new Node(M, false, false);
        }
      } else if (t.is("offset")) {
        next++;
        if (peek().is("-")) {
          next++;
        }
        expect(Kind.DURATION, "a duration after offset");
        node = modifiable(t, node);
      } else if (t.is("@")) {
        next++;
        Token at = peek();
        if (at.kind() == Kind.NUMBER) {
          next++;
        } else if (at.is("start") || at.is("end")) {
          next++;
          expect("(");
          expect(")");
        } else {
          throw error(at, "@ needs a timestamp, start() or end()");
        }
        node = modifiable(t, node);
      } else {
        return node;
      }
    }
  }

  private Node modifiable(Token at, Node node) {
    if (node.type() != V && node.type() != M || !(node.selector() || node.type() == M)) {
      throw error(at, at.text() + " applies to a selector or a subquery only");
    }
    return new Node(node.type(), node.selector(), true);
  }

  private Node primary() {
    Token t = peek();
    switch (t.kind()) {
      case NUMBER -> {
        next++;
        return new Node(S, false, false);
      }
      case STRING -> {
        next++;
        return new Node(STR, false, false);
      }
      case DURATION -> throw error(t, "a duration is not a value here: " + t.text());
      case EOF -> throw error(t, "unexpected end of expression");
      default -> {}
    }
    if (t.is("(")) {
      next++;
      Node inner = expression(0);
      expect(")");
      return new Node(inner.type(), false, false);
    }
    if (t.is("{")) {
      selectors.add(new Selector("", matchers(false)));
      return new Node(V, true, false);
    }
    if (t.kind() != Kind.IDENT) {
      throw error(t, "unexpected " + describe(t));
    }
    String word = t.text();
    String lower = word.toLowerCase(Locale.ROOT);
    if (lower.equals("inf") || lower.equals("nan")) {
      next++;
      return new Node(S, false, false);
    }
    if (AGGREGATIONS.containsKey(lower)) {
      next++;
      return aggregation(t, lower);
    }
    if (KEYWORDS.contains(lower)) {
      throw error(t, "unexpected keyword " + word);
    }
    next++;
    if (peek().is("(")) {
      return call(t);
    }
    List<Matcher> matchers = peek().is("{") ? matchers(true) : List.of();
    selectors.add(new Selector(word, matchers));
    return new Node(V, true, false);
  }

  private Node aggregation(Token at, String op) {
    functions.add(op);
    boolean grouped = false;
    if (peek().is("by") || peek().is("without")) {
      next++;
      labelList();
      grouped = true;
    }
    expect("(");
    Type param = AGGREGATIONS.get(op);
    if (param != V) {
      Node p = expression(0);
      if (p.type() != param) {
        throw error(at, op + " needs a " + param + " parameter, got " + p.type());
      }
      expect(",");
    }
    Node arg = expression(0);
    if (arg.type() != V) {
      throw error(at, op + " aggregates an instant vector, got " + arg.type());
    }
    expect(")");
    if (peek().is("by") || peek().is("without")) {
      if (grouped) {
        throw error(peek(), "grouping given twice");
      }
      next++;
      labelList();
    }
    return new Node(V, false, false);
  }

  private Node call(Token name) {
    String fname = name.text();
    Fn fn = FUNCTIONS.get(fname);
    if (fn == null) {
      throw error(name, "unknown function " + fname);
    }
    functions.add(fname);
    expect("(");
    List<Node> args = new ArrayList<>();
    if (!peek().is(")")) {
      args.add(expression(0));
      while (peek().is(",")) {
        next++;
        args.add(expression(0));
      }
    }
    expect(")");
    int max = fn.variadic() ? Integer.MAX_VALUE : fn.args().size();
    if (args.size() < fn.required() || args.size() > max) {
      throw error(name, fname + " takes " + describeArity(fn) + " arguments, got " + args.size());
    }
    for (int i = 0; i < args.size(); i++) {
      Type want = fn.args().get(Math.min(i, fn.args().size() - 1));
      if (args.get(i).type() != want) {
        throw error(
            name,
            fname + " argument " + (i + 1) + " must be " + want + ", got " + args.get(i).type());
      }
    }
    return new Node(fn.result(), false, false);
  }

  private static String describeArity(Fn fn) {
    if (fn.variadic()) {
      return "at least " + fn.required();
    }
    return fn.required() == fn.args().size()
        ? String.valueOf(fn.required())
        : fn.required() + " to " + fn.args().size();
  }

  private List<Matcher> matchers(boolean named) {
    Token open = expect("{");
    List<Matcher> matchers = new ArrayList<>();
    while (!peek().is("}")) {
      Token label = expect(Kind.IDENT, "a label name");
      if (label.text().contains(":")) {
        throw error(label, "a label name cannot contain ':'");
      }
      Token op = peek();
      if (!(op.is("=") || op.is("!=") || op.is("=~") || op.is("!~"))) {
        throw error(op, "expected a label matcher operator (=, !=, =~, !~)");
      }
      next++;
      Token value = expect(Kind.STRING, "a quoted label value");
      if (op.text().endsWith("~")) {
        try {
          java.util.regex.Pattern.compile(value.text());
        } catch (java.util.regex.PatternSyntaxException e) {
          throw error(value, "bad regular expression " + value.text());
        }
      }
      matchers.add(new Matcher(label.text(), op.text(), value.text()));
      if (peek().is(",")) {
        next++;
      } else if (!peek().is("}")) {
        throw error(peek(), "expected , or } in label matchers");
      }
    }
    next++;
    // Prometheus: a selector must have a name or a matcher that does not match the empty string
    if (!named && matchers.stream().allMatch(m -> m.value().isEmpty() || m.op().startsWith("!"))) {
      throw error(open, "a selector without a metric name needs a matcher that is not empty");
    }
    return matchers;
  }

  private void labelList() {
    expect("(");
    while (!peek().is(")")) {
      Token label = expect(Kind.IDENT, "a label name");
      if (label.text().contains(":")) {
        throw error(label, "a label name cannot contain ':'");
      }
      if (peek().is(",")) {
        next++;
      } else if (!peek().is(")")) {
        throw error(peek(), "expected , or ) in a label list");
      }
    }
    next++;
  }

  private String operatorName(Token t) {
    if (t.kind() == Kind.PUNCT && precedence(t.text()) > 0) {
      return t.text();
    }
    if (t.kind() == Kind.IDENT) {
      String lower = t.text().toLowerCase(Locale.ROOT);
      if (setOperator(lower) || lower.equals("atan2")) {
        return lower;
      }
    }
    return null;
  }

  private Token peek() {
    return tokens.get(next);
  }

  private Token expect(String punct) {
    Token t = peek();
    if (!t.is(punct)) {
      throw error(t, "expected " + punct + ", got " + describe(t));
    }
    next++;
    return t;
  }

  private Token expect(Kind kind, String what) {
    Token t = peek();
    if (t.kind() != kind) {
      throw error(t, "expected " + what + ", got " + describe(t));
    }
    next++;
    return t;
  }

  private static String describe(Token t) {
    return t.kind() == Kind.EOF ? "end of expression" : "'" + t.text() + "'";
  }

  private PromQlException error(Token at, String message) {
    return new PromQlException(expr, at.pos(), message);
  }

  // ---- lexer ----

  private static final String DURATION_UNIT = "(ms|s|m|h|d|w|y)";
  private static final java.util.regex.Pattern DURATION =
      java.util.regex.Pattern.compile("([0-9]+" + DURATION_UNIT + ")+");
  private static final java.util.regex.Pattern NUMBER =
      java.util.regex.Pattern.compile(
          "0[xX][0-9a-fA-F]+|([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  private static List<Token> lex(String expr) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = expr.length();
    int inBrackets = 0; // inside [...] a ':' separates a subquery's range and step
    while (i < n) {
      char c = expr.charAt(i);
      if (c == '[') {
        inBrackets++;
      } else if (c == ']') {
        inBrackets--;
      }
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < n && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (Character.isLetter(c) || c == '_' || (c == ':' && inBrackets == 0)) {
        int start = i;
        while (i < n
            && (Character.isLetterOrDigit(expr.charAt(i))
                || expr.charAt(i) == '_'
                || expr.charAt(i) == ':')) {
          i++;
        }
        out.add(new Token(Kind.IDENT, expr.substring(start, i), start));
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
        int start = i;
        java.util.regex.Matcher d = DURATION.matcher(expr).region(i, n);
        java.util.regex.Matcher num = NUMBER.matcher(expr).region(i, n);
        if (d.lookingAt() && !followedByWord(expr, d.end())) {
          i = d.end();
          out.add(new Token(Kind.DURATION, expr.substring(start, i), start));
        } else if (num.lookingAt() && !followedByWord(expr, num.end())) {
          i = num.end();
          out.add(new Token(Kind.NUMBER, expr.substring(start, i), start));
        } else {
          throw new PromQlException(expr, start, "bad number or duration");
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        int start = i;
        StringBuilder value = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < n) {
          char s = expr.charAt(i);
          if (s == c) {
            closed = true;
            i++;
            break;
          }
          if (s == '\\' && c != '`') {
            if (i + 1 >= n) {
              break;
            }
            char e = expr.charAt(i + 1);
            switch (e) {
              case 'n' -> value.append('\n');
              case 't' -> value.append('\t');
              case '\\', '"', '\'' -> value.append(e);
              default -> value.append('\\').append(e); // regex escapes like \d pass through
            }
            i += 2;
            continue;
          }
          if (s == '\n' && c != '`') {
            break;
          }
          value.append(s);
          i++;
        }
        if (!closed) {
          throw new PromQlException(expr, start, "unterminated string");
        }
        out.add(new Token(Kind.STRING, value.toString(), start));
      } else {
        String two = i + 1 < n ? expr.substring(i, i + 2) : "";
        if (Set.of("==", "!=", "<=", ">=", "=~", "!~").contains(two)) {
          out.add(new Token(Kind.PUNCT, two, i));
          i += 2;
        } else if ("+-*/%^<>=(){}[],:@".indexOf(c) >= 0) {
          out.add(new Token(Kind.PUNCT, String.valueOf(c), i));
          i++;
        } else {
          throw new PromQlException(expr, i, "unexpected character '" + c + "'");
        }
      }
    }
    // brackets must balance, and close in the right order
    List<Token> open = new ArrayList<>();
    for (Token t : out) {
      if (t.kind() != Kind.PUNCT) {
        continue;
      }
      switch (t.text()) {
        case "(", "{", "[" -> open.add(t);
        case ")", "}", "]" -> {
          String want = t.text().equals(")") ? "(" : t.text().equals("}") ? "{" : "[";
          if (open.isEmpty() || !open.getLast().text().equals(want)) {
            throw new PromQlException(expr, t.pos(), "unbalanced '" + t.text() + "'");
          }
          open.removeLast();
        }
        default -> {}
      }
    }
    if (!open.isEmpty()) {
      throw new PromQlException(
          expr, open.getLast().pos(), "unclosed '" + open.getLast().text() + "'");
    }
    out.add(new Token(Kind.EOF, "", n));
    return out;
  }

  private static boolean followedByWord(String expr, int at) {
    return at < expr.length()
        && (Character.isLetterOrDigit(expr.charAt(at)) || expr.charAt(at) == '_');
  }
}
