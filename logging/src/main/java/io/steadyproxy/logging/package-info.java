/** The log line format both programs share: the format setting and the JSON line's members. */
package io.steadyproxy.logging;
