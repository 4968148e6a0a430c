package io.steadyproxy.observe;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * The seam in front of the JVM's garbage-collection notifications, so that admission reacts within
 * milliseconds of a collection (not on the 30 s monitor tick) and tests can fire "a GC happened"
 * whenever they like.
 */
public interface GcFeed extends AutoCloseable {

  /** Runs {@code afterGc} after every collection from now on, until {@link #close()}. */
  void subscribe(Runnable afterGc);

  /** Stops the notifications. */
  @Override
  void close();

  /**
   * The real feed: a listener on every {@link GarbageCollectorMXBean} that emits notifications
   * (HotSpot's do, on its notification thread). The listener only checks the notification's type
   * and runs the callback; it never decodes the {@code GcInfo} composite data, which allocates.
   */
  static GcFeed system() {
    return new GcFeed() {
      private final List<Registered> registered = new ArrayList<>();

      record Registered(NotificationEmitter emitter, NotificationListener listener) {}

      @Override
      public synchronized void subscribe(Runnable afterGc) {
        NotificationListener listener =
            (n, handback) -> {
              if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                  n.getType())) {
                afterGc.run();
              }
            };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
          if (gc instanceof NotificationEmitter emitter) {
            emitter.addNotificationListener(listener, null, null);
            registered.add(new Registered(emitter, listener));
          }
        }
      }

      @Override
      public synchronized void close() {
        for (Registered r : registered) {
          try {
            r.emitter().removeNotificationListener(r.listener());
          } catch (ListenerNotFoundException e) {
            // already gone: nothing to stop
          }
        }
        registered.clear();
      }
    };
  }
}
