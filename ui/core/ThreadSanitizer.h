// ThreadSanitizer and Qt's queued calls (scripts/test-tsan.sh). A queued signal or
// QMetaObject::invokeMethod hands its data to another thread through QtCore's event queue,
// which Debian's Qt guards with its own futex-based mutex, invisible to ThreadSanitizer:
// every queued call would show as a race between the data's writer and its reader. In a
// ThreadSanitizer build (CONVSCOPE_SANITIZE_THREAD) the edge is declared at both ends
// instead: the sending side releases a sync point in every signal emission and every
// invokeMethod (the linker's --wrap of QMetaObject::activate and invokeMethodImpl), and the
// receiving side acquires it before each event the thread delivers (an application event
// filter on the GUI thread; queuedCallArrived() in the compute thread's objects). One sync
// point for all queues: an event delivered after any send is ordered after it, which is
// more order than Qt promises, so a race between accesses that each thread makes around
// unrelated queued calls can go unseen; races between calls, in the engine, and through
// ConvScope's own std::mutex queue are reported. A queued signal's arguments are copied
// inside activate, after the sync point, where no edge can go before the copy: so signals
// between threads carry no arguments (TrainingWorker's mailbox; a lambda's captures are
// copied before invokeMethod). Elsewhere these functions do nothing.
#pragma once

#include <utility>

namespace convscope::ui {

#if defined(__SANITIZE_THREAD__)
void queuedCallArrived();      // on the receiving thread, before the event is handled
void queuedCallSent();         // the sending side, for a call the wrappers do not see
void installQueuedCallHooks(); // once, on the GUI thread: the application's event filter
#else
inline void queuedCallArrived() {}
inline void queuedCallSent() {}
inline void installQueuedCallHooks() {}
#endif

// A function for QMetaObject::invokeMethod(…, Qt::QueuedConnection) to another thread. Qt keeps
// it in a reference-counted slot object, and the sending thread frees it when it lets go last —
// after the receiving thread ran it, if that thread was quicker — under an atomic count inside
// QtCore that ThreadSanitizer does not see (a report of the slot's memory freed while read). The
// run releases the sync point when it ends and the slot's destruction acquires it first, so the
// free is ordered after the run. Elsewhere it is the function itself.
template <class F> auto queuedCall(F f) {
#if defined(__SANITIZE_THREAD__)
  struct Call {
    F f;
    void operator()() {
      f();
      queuedCallSent();
    }
    ~Call() { queuedCallArrived(); }
  };
  return Call{std::move(f)};
#else
  return f;
#endif
}

} // namespace convscope::ui
